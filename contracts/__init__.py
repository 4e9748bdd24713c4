"""Messages shared by the pathway workflow, its activities, the service layer and the store."""
