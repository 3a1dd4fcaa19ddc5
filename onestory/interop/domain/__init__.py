"""Pure FHIR rules: reading bundles and mapping between FHIR resources and OneStory's
source facts. No Django."""
