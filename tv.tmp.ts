import { explore, describeChoice } from './src/explore/explorer.js';
import { tinyVolumeModel } from './src/explore/reference/tiny-volume.js';
const [writes, crashes, max, sym] = process.argv.slice(2).map(Number);
const plant = process.argv[6] as never;
const lal = process.argv[7] === undefined ? undefined : Number(process.argv[7]);
const t = Date.now();
const r = explore(tinyVolumeModel({ writes, crashes, plant, lal }), { maxStates: max, symmetry: sym === 1, onProgress: (p) => console.error(p, (Date.now()-t)/1000, process.memoryUsage().heapUsed/1e9) , progressEvery: 250000});
console.log(r.uniqueStates, r.complete, r.depthMax, (Date.now() - t) / 1000);
for (const p of r.properties) { console.log(p.name, p.status, p.path?.length ?? ''); if (p.status==='violated') for (const c of p.path!) console.log('   ', describeChoice(c)); }
