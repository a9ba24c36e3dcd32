"""Federation with other TAXII 2.1 servers: pull remote collections in, push local ones out."""
