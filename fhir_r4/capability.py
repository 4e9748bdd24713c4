"""The CapabilityStatement of `GET /fhir/r4/metadata` (http://hl7.org/fhir/R4/capabilitystatement.html):
exactly what the intake accepts, each resource type with what it gives, from the mapping in force."""

from __future__ import annotations

from typing import Any

from domain.fhir_mapping import FhirMapping
from fhir_r4.parse import MAPPED_TYPES

GIVES = {
    "Condition": "diagnosis_recorded (code: the mapping's conditions; onsetDateTime: onset_on; recordedDate: the "
                 "date); verificationStatus entered-in-error retracts",
    "MedicationStatement": "treatment_started at effectivePeriod.start (status active, completed, stopped) and "
                           "treatment_stopped at effectivePeriod.end (completed, stopped); a stop and a start on one "
                           "day is a switch (R20); medicationCodeableConcept: the mapping's medications",
    "MedicationAdministration": "treatment_started at effectiveDateTime (status completed, in-progress), unless the "
                                "patient is on that molecule that day already (the next infusion is no new start)",
    "MedicationRequest": "treatment_started at authoredOn (status active, completed), unless the patient is on that "
                         "molecule that day already (a renewal is no new start); stops come by MedicationStatement",
    "Procedure": "mri_performed (an MRI code; bodySite: regions; usedCode of a gadolinium agent: gadolinium), "
                 "treatment_validated (usedCode: the treatment), etp_assessed, etp_referral_proposed; status completed",
    "ImagingStudy": "mri_performed (modality MR; series.bodySite: regions; started: the date); status available",
    "Encounter": "visit_completed (type or serviceType: setting; type: components; period.start); status finished",
    "Observation": "edss_recorded (code: EDSS; valueQuantity: the score); status final, amended or corrected",
    "CareTeam": "care_team_assigned (participant.member and managingOrganization by identifier of the staff "
                "directory; period.start); status active",
    "Patient": "nothing recorded: identifies the patient of a Bundle's resources by its identifier in the mapping's "
               "patient system; no name, birth date or INS is kept",
}


def capability_statement(mapping: FhirMapping, software_version: str, date: str) -> dict[str, Any]:
    """The CapabilityStatement (JSON) of this server under `mapping`; `date` is YYYY-MM-DD."""
    resources = [{"type": kind, "interaction": [{"code": "create"}, {"code": "update"}],
                  "versioning": "versioned-update", "documentation": GIVES[kind]} for kind in MAPPED_TYPES]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "publisher": "CRC SEP Marseille",
        "kind": "instance",
        "software": {"name": "ms-pathway", "version": software_version},
        "implementation": {"description": f"MS follow-up pathway: FHIR R4 intake (mapping {mapping.id} "
                                          f"{mapping.version})"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [{
            "mode": "server",
            "documentation": "Integration tokens only (Authorization: Bearer). POST a Bundle (transaction, batch "
                             "or collection) to the base, or one resource to its type. Each patient's resources are "
                             "recorded all or nothing; a resource or code the mapping does not cover is refused "
                             "(OperationOutcome naming the element). A new meta.versionId retracts the previous "
                             "version's events; entered-in-error retracts them.",
            "security": {"cors": False, "description": "Bearer token of the integration role"},
            "resource": resources,
            "interaction": [{"code": "transaction"}, {"code": "batch"}],
        }],
    }
