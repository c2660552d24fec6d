// Runs the e2e suites in file-name order (01-..., 99-teardown last): they share one stack.
const Sequencer = require("@jest/test-sequencer").default;
module.exports = class ByName extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => a.path.localeCompare(b.path));
  }
};
