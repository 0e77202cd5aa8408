// Runs graphql-http's GraphQL-over-HTTP audit against a server and prints the results as JSON.
// Usage: node tests/platform/http_audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node http_audit.mjs <graphql url>');
  process.exit(2);
}

const results = await auditServer({ url });
const report = await Promise.all(
  results.map(async (result) => {
    const entry = { id: result.id, name: result.name, status: result.status };
    if (result.status !== 'ok') {
      entry.reason = result.reason;
      const response = result.response;
      if (response) {
        let body = '';
        try {
          body = await response.text();
        } catch {
          body = '<body already read>';
        }
        entry.response = {
          status: response.status,
          contentType: response.headers.get('content-type'),
          body: body.slice(0, 500),
        };
      }
    }
    return entry;
  }),
);
process.stdout.write(JSON.stringify(report));
