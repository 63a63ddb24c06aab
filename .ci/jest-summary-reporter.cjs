// Writes jest's totals to $JEST_JSON_REPORT so .ci/run can print "N passed, N failed" after the README's `npm test`.
const { writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const target = process.env.JEST_JSON_REPORT;
    if (!target) return;
    const { numPassedTests, numFailedTests, numPendingTests, numTotalTests } = results;
    writeFileSync(target, JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTotalTests }));
  }
}

module.exports = SummaryReporter;
