"""What staff look at in a browser: the timeline picture (`timeline`), the simulation's page
(`simulation_page`) and the staff pages the API serves. French, server-rendered, templates from
files through `rendering.environment` (the same engine as the e-mails).

Sits with the entry points: `api` and `pathway_cli` import it; it imports `service`, `domain`
and `rendering`, never the other way round."""
