/**
 * `npm run bench`: every figure is the median of several runs, printed as a ratio against a baseline measured
 * in the same run on the same machine. Never a timed test.
 */
import { benchStart } from './start';

process.stdout.write(`Guardmail benchmarks (node ${process.version}, medians)\n\n`);
await benchStart();
