// Prints the N-Quads jsonld.js reads from a JSON-LD file, refusing every remote document:
// the file must read on its own (no document loader, no base). Used by tests/test_clients.py.
"use strict";
const fs = require("fs");
const jsonld = require("jsonld");

const refuse = async (url) => {
  throw new Error(`refused to load ${url}: the document must read on its own`);
};

(async () => {
  const document = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
  const nquads = await jsonld.toRDF(document, {
    format: "application/n-quads",
    documentLoader: refuse,
  });
  process.stdout.write(nquads);
})().catch((error) => {
  process.stderr.write(`${error.name}: ${error.message}\n`);
  process.exit(1);
});
