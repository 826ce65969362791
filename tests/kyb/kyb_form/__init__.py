"""The KYB at /kyb/, a step per page: a draft until it is submitted, checked part by part,
complete before it can be submitted, locked while it is reviewed and open again when changes are
requested."""
