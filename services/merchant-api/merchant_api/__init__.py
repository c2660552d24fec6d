"""merchant-api: the merchants service of the fintech fleet, instrumented with prometheus_client."""
