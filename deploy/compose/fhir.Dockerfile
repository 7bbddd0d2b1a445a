# The demo FHIR server of the local stack (compose.yaml): SEKMET, an R4 server from PyPI, in memory.
FROM python:3.11-slim
RUN pip install --no-cache-dir "sekmet-fhir>=0.1.1"
COPY sekmet.yaml /etc/sekmet/settings.yaml
COPY seed.py /opt/seed.py
USER 65534:65534
CMD ["sekmet", "serve", "--config", "/etc/sekmet/settings.yaml"]
