"""The FHIR R4 intake's adapter: FHIR resources (validated with `fhir.resources`' R4B models)
to pathway events through a centre's mapping (`domain.fhir_mapping`), and answers as FHIR
OperationOutcome and CapabilityStatement. No I/O: `service.fhir` reads the store and records
through the one intake."""
