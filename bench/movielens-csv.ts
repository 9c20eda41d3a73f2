/**
 * Writes MovieLens-100k-*shaped* generated ratings as a CSV in the columns of MovieLens'
 * ratings.csv (userId, movieId, rating, timestamp in epoch seconds), for the training quality
 * anchor through the whole pipeline when the real file is not at hand:
 *
 *   npx tsx bench/movielens-csv.ts ratings.csv [--seed 1]
 *   recostream replay interactions ratings.csv --map userId=user_id,movieId=item_id
 *   recostream train --model mf --protocol kfold --folds 5
 *
 * The ratings come from training/synthetic.ts generateMovieLensShaped: the real data set's size,
 * rating histogram and activity/popularity tails, not its ratings (docs/TRAINING.md).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { generateMovieLensShaped } from '../training/synthetic.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: 'string', default: '1' } },
});
const out = positionals[0];
if (!out) {
  process.stderr.write('usage: npx tsx bench/movielens-csv.ts <out.csv> [--seed N]\n');
  process.exit(2);
}
const rows = generateMovieLensShaped({ seed: Number(values.seed) });
const file = createWriteStream(out);
file.write('userId,movieId,rating,timestamp\n');
for (const r of rows) {
  const line = `${r.user_id},${r.item_id},${r.rating},${Math.floor(r.event_time / 1000)}\n`;
  if (!file.write(line)) await once(file, 'drain');
}
file.end();
await once(file, 'finish');
process.stderr.write(`${rows.length} ratings written to ${out}\n`);
