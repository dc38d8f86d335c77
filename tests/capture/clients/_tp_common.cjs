// Shared by the third-party node clients. Mode from argv[2]:
//   uncaught      - the rejection is left unhandled: node prints the error and exits 1
//   console-error - console.error(err): util.inspect of the error object
//   message       - console.error(`request failed: ${err.message}`)
const MODE = process.argv[2] || 'uncaught';
const BASE = 'http://127.0.0.1:8765';
async function run(call) {
  if (MODE === 'uncaught') { await call(); return; }
  try { await call(); } catch (err) {
    if (MODE === 'console-error') console.error(err);
    else console.error(`request failed: ${err.message}`);
  }
}
module.exports = { MODE, BASE, run };
