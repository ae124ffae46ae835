// Validates an OpenAPI document with @seriousme/openapi-schema-validator (the official OpenAPI JSON Schemas) and checks
// that every $ref resolves. Usage: node openapi/validate.mjs FILE. Exit code 0 and "valid 3.1" on success.
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2];
const validator = new Validator();
const result = await validator.validate(JSON.parse(await readFile(file, "utf8")));
if (!result.valid) {
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}

// Throws when a $ref points nowhere.
validator.resolveRefs();
console.log(`valid ${validator.version}`);
