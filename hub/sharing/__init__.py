"""Collections (TAXII sharing channels) and the rules that say who may read and write them."""
