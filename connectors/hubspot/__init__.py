"""The HubSpot CRM connector (contacts, companies) and its local sandbox."""
