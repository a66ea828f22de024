/** The reconciliation report (issue 16): figures (model.ts), rows (rows.ts), HTML (html.ts), charts (svg.ts). */
export * from './model.js';
export * from './metrics.js';
export { OutcomeRows, rowFromResultsRecord, resultsColumns, normaliseAmount } from './rows.js';
export { buildFromResultsFile, buildFromTable, openResultsTable, type ResultsTable, type ResultsReadOptions } from './results-reader.js';
export { renderReport, renderReportBody, REPORT_CSS, groupThousands } from './html.js';
export { barChart, columnChart, statusChart, STATUS_TONES, type Bar, type Tone } from './svg.js';
export { escapeHtml, html, raw, Html } from './escape.js';
export { RunReport } from './run-report.js';
export { writeReport, writeRunReport, checkReportPath, payopsVersion } from './write.js';
