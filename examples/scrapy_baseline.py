"""A Scrapy spider that makes the requests a harvest made and reads what the
harvester reads from them, for the side-by-side CPU figure in BENCHMARKS.md
(issue 16). Not part of the product.

    renec-harvester testsite --corpus ../shared/renec-corpus --markup heavy --bind 127.0.0.1:18101
    # harvest once into DIR (RENEC_DATA_DIR=DIR, RENEC_SOURCE_URL=http://127.0.0.1:18101)
    /usr/bin/time -f '%U user %S sys' scrapy runspider examples/scrapy_baseline.py \
        -a db=DIR/renec.sqlite3 -o /tmp/scrapy-items.jsonl

It reads the catalogue and committee JSON, and on each detail page the title
and, for every panel outside a template, its header and the rows of its
tables, Material tables and lists, as the harvester does.
"""
import json
import sqlite3

import scrapy


class Renec(scrapy.Spider):
    name = "renec"
    custom_settings = {
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "HTTPERROR_ALLOW_ALL": True,
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(self, db, **kwargs):
        super().__init__(**kwargs)
        with sqlite3.connect(db) as conn:
            self.urls = [u for (u,) in conn.execute("SELECT url FROM run_pages ORDER BY rowid")]

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse_page, dont_filter=True)

    def parse_page(self, response):
        if response.status != 200:
            return
        if "/competencia/" in response.url:
            yield from self.detail(response)
        elif "controlador.do" in response.url:
            for row in response.css("table tr"):
                cells = [" ".join(c.css("::text").getall()).strip() for c in row.css("td")]
                if cells:
                    yield {"kind": "listing", "cells": cells}
        else:
            data = json.loads(response.text)
            for item in data if isinstance(data, list) else [data]:
                yield {"kind": "json", "item": item}

    def detail(self, response):
        title = " ".join(response.css("p.titulo-estandar ::text").getall()).strip()
        panels = []
        for panel in response.xpath("//mat-expansion-panel[not(ancestor::template)]"):
            header = " ".join(panel.css("mat-expansion-panel-header ::text").getall()).strip()
            rows = []
            for row in panel.css("tr, mat-row"):
                rows.append([" ".join(c.css("::text").getall()).strip() for c in row.css("td, th, mat-cell")])
            for item in panel.xpath(".//li[not(ancestor::td) and not(ancestor::li)]"):
                rows.append([" ".join(item.xpath("./text()").getall()).strip()])
            panels.append({"header": header, "rows": rows})
        yield {"kind": "detail", "title": title, "panels": panels}
