"""FHIR R4 / UK Core interoperability: bundle import, the /fhir read and search API,
`Patient/$everything` and export."""
