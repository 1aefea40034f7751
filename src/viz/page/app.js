// The viewer's page (docs/viewer.md). It loads a trace's index once (per actor, the steps at which
// its state changed; per segment, the SCL its messages reported; faults; verdicts) and shows any
// step from it without asking the server, so the scrubber keeps up with the mouse. Events are
// fetched in blocks for the sequence diagram and the event list. The URL holds trace, step,
// selected actor and window, so a link opens the same view.
import { h, render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';

const html = htm.bind(h);
const BLOCK = 512;
const ROW_PX = 18;
const LANE_PX = 96;

// ---- reading the index ----------------------------------------------------------------------

/** The index of the last of `count` entries whose step (`stepOf(i)`, ascending) is at or before `step`, or -1. */
function lastIndexAtOrBefore(count, stepOf, step) {
  let lo = 0;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (stepOf(mid) <= step) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi;
}

/** The last entry of a flat `[step, value, step, value, ...]` list at or before `step`, as [step, value]. */
function lastAt(flat, step) {
  const found = lastIndexAtOrBefore(flat.length / 2, (i) => flat[i * 2], step);
  return found < 0 ? undefined : [flat[found * 2], flat[found * 2 + 1]];
}

/** A state text's colour class: green serving, amber in transition, red down, grey gone. */
function stateClass(value) {
  if (value === undefined) return 'none';
  if (/(^|[.|])(down|crashed|outage|failed|dead)\b|#error/.test(value)) return 'bad';
  if (/retired|#stopped|#done|detached/.test(value)) return 'gone';
  if (/hydrating|recovering|booting|promoting|claiming|catching|lagging|suspect|failing|fencing|opening/.test(value)) return 'warn';
  if (/(^|[.|])(up|open|serving|monitoring|watching|writer|replica|standby|idle|alive|healthy)\b/.test(value)) return 'ok';
  return 'neutral';
}

/** A short lane or chip label for an endpoint id. */
function shortName(id) {
  let m = /^seg:pg(\d+):(.+):(\d+)$/.exec(id);
  if (m) return `pg${m[1]} ${m[2].replace(/^.*\d(?=[a-z]$)/, '')}${m[3]}`;
  m = /^inst:[^:]+:(.+)$/.exec(id);
  if (m) return m[1];
  m = /^node:(.+):(\d+)$/.exec(id);
  if (m) return `node ${m[1].replace(/^.*\d(?=[a-z]$)/, '')}${m[2]}`;
  m = /^client:(\d+)$/.exec(id);
  if (m) return `client ${m[1]}`;
  return id;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  return `${ms.toLocaleString('en-US', { maximumFractionDigits: 3 })} ms`;
}

// ---- the URL ---------------------------------------------------------------------------------

function readUrl() {
  const p = new URLSearchParams(location.search);
  const step = p.get('step');
  return { trace: p.get('trace'), step: step === null ? undefined : Number(step), actor: p.get('actor') ?? undefined, window: Number(p.get('window') ?? 40) };
}

let urlTimer;
function writeUrl(state) {
  // Scrubbing changes the step many times a second; the address follows at most every 150 ms.
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const p = new URLSearchParams();
    p.set('trace', state.trace);
    p.set('step', String(state.step));
    if (state.actor) p.set('actor', state.actor);
    if (state.window !== 40) p.set('window', String(state.window));
    history.replaceState(null, '', `?${p}`);
  }, 150);
}

// ---- server access ---------------------------------------------------------------------------

async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${path}: HTTP ${response.status}`);
  return body;
}

/** Event blocks of one trace, fetched once each. */
function createEventCache(traceId, onLoaded) {
  const blocks = new Map();
  const pending = new Set();
  return {
    /** The events in [from, to] that are loaded; asks for the blocks that are not. */
    between(from, to) {
      const out = [];
      let complete = true;
      for (let b = Math.floor(from / BLOCK); b <= Math.floor(to / BLOCK); b++) {
        const block = blocks.get(b);
        if (block === undefined) {
          complete = false;
          if (!pending.has(b)) {
            pending.add(b);
            getJson(`/api/events?trace=${encodeURIComponent(traceId)}&from=${b * BLOCK}&to=${b * BLOCK + BLOCK - 1}`).then((events) => {
              blocks.set(b, events);
              pending.delete(b);
              onLoaded();
            });
          }
          continue;
        }
        for (const event of block) if (event.step >= from && event.step <= to) out.push(event);
      }
      return { events: out, complete };
    },
  };
}

const layouts = new Map();
function loadLayout(machine) {
  if (!layouts.has(machine)) layouts.set(machine, getJson(`/api/statechart?machine=${encodeURIComponent(machine)}`));
  return layouts.get(machine);
}

// ---- the world at a step ---------------------------------------------------------------------

function worldAt(index, step) {
  const states = new Map();
  const scl = new Map();
  index.actors.forEach((actor, i) => {
    const s = lastAt(index.states[i], step);
    if (s !== undefined) states.set(actor.id, { value: index.stateValues[s[1]], since: s[0] });
    const c = lastAt(index.scl[i], step);
    if (c !== undefined) scl.set(actor.id, { scl: c[1], at: c[0] });
  });
  return { states, scl, step };
}

/** A verdict that reports a failure: `ok: false` with violations (a `sometimes` property never witnessed has none). */
const isViolation = (v) => !v.ok && (v.violations === undefined || v.violations > 0);

/** Each invariant's status at `step`, and the first violation of the trace. */
function invariantsAt(index, step) {
  const names = [];
  const seen = new Set();
  for (const v of index.verdicts) if (!seen.has(v.invariant)) { seen.add(v.invariant); names.push(v.invariant); }
  const firstViolation = index.verdicts.filter(isViolation).sort((a, b) => a.step - b.step)[0];
  const rows = names.map((name) => {
    const violation = index.verdicts.find((v) => v.invariant === name && isViolation(v) && !v.final);
    const final = index.verdicts.find((v) => v.invariant === name && v.final);
    if (violation !== undefined && violation.step <= step) return { name, status: 'violated', text: `violated at step ${violation.step} (${fmtMs(violation.atMs)})`, message: violation.message, step: violation.step };
    if (final !== undefined && final.step <= step) {
      if (final.ok) return { name, status: 'held', text: 'held (judged at the end)', message: final.message };
      if (!isViolation(final)) return { name, status: 'unwitnessed', text: 'never witnessed (judged at the end)', message: final.message };
      return { name, status: 'violated', text: `violated ${final.violations} time(s), judged at the end`, message: final.message, step: final.step };
    }
    return { name, status: 'so-far', text: 'no violation so far' };
  });
  return { rows, firstViolation };
}

// ---- components ------------------------------------------------------------------------------

function Scrubber({ index, step, setStep, playing, setPlaying, firstViolation }) {
  const last = index.events - 1;
  const at = index.atMs[step];
  const pct = (s) => `${last <= 0 ? 0 : (s / last) * 100}%`;
  return html`<div class="scrub">
    <div class="row">
      <button title="first event (Home)" onClick=${() => setStep(0)}>|◀</button>
      <button title="previous event (←)" onClick=${() => setStep(step - 1)}>◀</button>
      <button title="play / pause (space)" onClick=${() => setPlaying(!playing)}>${playing ? 'pause' : 'play'}</button>
      <button title="next event (→)" onClick=${() => setStep(step + 1)}>▶</button>
      <button title="last event (End)" onClick=${() => setStep(last)}>▶|</button>
      <label>step <input type="number" min="0" max=${last} value=${step} onChange=${(e) => setStep(Number(e.currentTarget.value))} /></label>
      <span class="now" data-testid="now">of ${last.toLocaleString('en-US')} · t = ${fmtMs(at)}</span>
      ${firstViolation !== undefined && html`<button class="go-violation" onClick=${() => setStep(firstViolation.step)}>first violation: ${firstViolation.invariant} (step ${firstViolation.step})</button>`}
    </div>
    <div class="row">
      <div class="track">
        ${index.faults.map((f) => html`<button class="marker fault" style=${{ left: pct(f.step) }} title=${`${fmtMs(f.atMs)} ${f.fault} ${f.target}`} onClick=${() => setStep(f.step)}></button>`)}
        ${index.verdicts.filter((v) => isViolation(v) && !v.final).map((v) => html`<button class="marker violation" style=${{ left: pct(v.step) }} title=${`${v.invariant} violated at step ${v.step}`} onClick=${() => setStep(v.step)}></button>`)}
        <input type="range" min="0" max=${last} value=${step} aria-label="step" onInput=${(e) => setStep(Number(e.currentTarget.value))} />
      </div>
    </div>
  </div>`;
}

function Chip({ id, world, selected, select, label }) {
  const state = world.states.get(id);
  const cls = stateClass(state?.value);
  return html`<button class=${`chip ${cls}${selected === id ? ' selected' : ''}`} data-actor=${id} data-state=${state?.value ?? ''} title=${`${id}: ${state?.value ?? 'no state yet'}`} onClick=${() => select(id)}>${label ?? shortName(id)}</button>`;
}

/** Regions → AZs → PGs → segments, instances and services, coloured by state at the step. */
function Topology({ index, world, selected, select }) {
  const byRole = (role) => index.actors.filter((a) => a.role === role);
  const regions = [...new Set(index.actors.filter((a) => a.region !== undefined).map((a) => a.region))];
  const segments = byRole('segment');
  const azs = [...new Set([...byRole('az').map((a) => a.az), ...segments.map((s) => s.az)].filter((az) => az !== undefined))].sort();
  const pgs = [...new Set(segments.map((s) => s.pg))].sort((a, b) => a - b);
  const services = byRole('service');
  const others = byRole('other');
  const regionOf = (az) => index.actors.find((a) => a.az === az && a.region !== undefined)?.region;
  const regionList = regions.length === 0 ? [undefined] : regions;
  return html`<div>
    ${regionList.map((region) => {
      const regionActor = index.actors.find((a) => a.role === 'region' && a.region === region);
      const regionAzs = azs.filter((az) => region === undefined || regionOf(az) === region || regionOf(az) === undefined);
      const instances = byRole('instance').filter((i) => region === undefined || i.region === region || i.region === undefined);
      return html`<div class="region">
        <div class="title">${region === undefined ? 'cluster' : `region ${region}`} ${regionActor && html`<${Chip} id=${regionActor.id} world=${world} selected=${selected} select=${select} label="region" />`}</div>
        <table class="topo">
          <thead><tr><th></th>${regionAzs.map((az) => {
            const azActor = index.actors.find((a) => a.role === 'az' && a.az === az);
            return html`<th>AZ ${az} ${azActor && html`<${Chip} id=${azActor.id} world=${world} selected=${selected} select=${select} label="az" />`}</th>`;
          })}</tr></thead>
          <tbody>
            ${byRole('storage-node').length > 0 && html`<tr><td class="pg">storage nodes</td>${regionAzs.map((az) => html`<td><div class="chips">${byRole('storage-node').filter((n) => n.az === az).map((n) => html`<${Chip} id=${n.id} world=${world} selected=${selected} select=${select} />`)}</div></td>`)}</tr>`}
            ${instances.some((i) => i.az !== undefined) && html`<tr><td class="pg">instances</td>${regionAzs.map((az) => html`<td><div class="chips">${instances.filter((i) => i.az === az).map((i) => html`<${Chip} id=${i.id} world=${world} selected=${selected} select=${select} />`)}</div></td>`)}</tr>`}
            ${pgs.map((pg) => {
              const copies = segments.filter((s) => s.pg === pg && (region === undefined || s.region === region || s.region === undefined));
              const up = copies.filter((s) => (world.states.get(s.id)?.value ?? '').startsWith('online')).length;
              // The standard quorums (4 of 6 write, 3 of 6 read; docs/protocol.md §1) when the PG has six copies.
              const quorum = copies.length === 6
                ? html`<span class="quorum">${up}/6 up · reads <span class=${up >= 3 ? 'yes' : 'no'}>${up >= 3 ? '✓' : '✗'}</span> · writes <span class=${up >= 4 ? 'yes' : 'no'}>${up >= 4 ? '✓' : '✗'}</span></span>`
                : html`<span class="quorum">${up}/${copies.length} up</span>`;
              return html`<tr data-pg=${pg}><td class="pg">PG ${pg}${quorum}</td>${regionAzs.map((az) => html`<td><div class="chips">${copies.filter((s) => s.az === az).map((s) => html`<${Chip} id=${s.id} world=${world} selected=${selected} select=${select} />`)}</div></td>`)}</tr>`;
            })}
          </tbody>
        </table>
        ${instances.some((i) => i.az === undefined) && html`<div style="margin-top:6px">instances: ${instances.filter((i) => i.az === undefined).map((i) => html`<${Chip} id=${i.id} world=${world} selected=${selected} select=${select} />`)}</div>`}
      </div>`;
    })}
    ${services.length > 0 && html`<div>services: ${services.map((s) => html`<${Chip} id=${s.id} world=${world} selected=${selected} select=${select} />`)}</div>`}
    ${others.length > 0 && html`<div>other actors: ${others.map((s) => html`<${Chip} id=${s.id} world=${world} selected=${selected} select=${select} />`)}</div>`}
  </div>`;
}

function Invariants({ rows, firstViolation, setStep }) {
  if (rows.length === 0) return html`<p class="muted">This trace carries no verdicts: it was written without judges (the kernel demo) or by an older version. Runs and explored paths write a <code>verdict</code> event when an invariant first fails and one per invariant at the end.</p>`;
  return html`<table class="invariants" data-testid="invariants"><tbody>
    ${rows.map((row) => html`<tr class=${`${row.status}${firstViolation !== undefined && firstViolation.invariant === row.name ? ' first' : ''}`} data-invariant=${row.name} data-status=${row.status}>
      <td>${row.status === 'violated' ? '✗' : row.status === 'held' ? '✓' : row.status === 'unwitnessed' ? '?' : '·'}</td>
      <td>${row.name}</td>
      <td class="status">${row.step !== undefined ? html`<a href="#" onClick=${(e) => { e.preventDefault(); setStep(row.step); }}>${row.text}</a>` : row.text}${row.message ? html`<div class="muted">${row.message}</div>` : ''}</td>
    </tr>`)}
  </tbody></table>`;
}

/** The selected actor's statechart, laid out by the server, with the active state marked. */
function Statechart({ machine, value }) {
  const [layout, setLayout] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [fit, setFit] = useState(false);
  const box = useRef(null);
  useEffect(() => {
    setLayout(undefined);
    loadLayout(machine).then(setLayout, (e) => setError(e.message));
  }, [machine]);
  // Keep the active state in sight: a large chart (the instance's) scrolls inside its panel.
  useEffect(() => {
    const container = box.current;
    const active = container?.querySelector('rect.active');
    if (!container || !active || fit) return;
    const x = Number(active.getAttribute('x'));
    const y = Number(active.getAttribute('y'));
    container.scrollLeft = Math.max(0, x - container.clientWidth / 2);
    container.scrollTop = Math.max(0, y - container.clientHeight / 2);
  }, [layout, value, fit]);
  if (error) return html`<p class="error">${error}</p>`;
  if (layout === undefined) return html`<p class="muted">laying out ${machine}…</p>`;
  const active = new Set();
  const ancestors = new Set();
  for (const part of (value ?? '').split('|')) {
    const path = part.replace(/#.*$/, '');
    if (path === '') continue;
    const id = `${layout.machine}.${path}`;
    active.add(id);
    const pieces = id.split('.');
    for (let n = 2; n < pieces.length; n++) ancestors.add(pieces.slice(0, n).join('.'));
  }
  const width = Math.ceil(layout.width);
  const height = Math.ceil(layout.height);
  return html`<div>
    <div class="controls">statechart ${layout.machine}: ${layout.states.length} states · <label><input type="checkbox" checked=${fit} onChange=${(e) => setFit(e.currentTarget.checked)} /> fit to panel</label></div>
    <div class="chart" ref=${box} data-testid="statechart" data-machine=${machine}>
    <svg width=${fit ? '100%' : width} height=${fit ? undefined : height} viewBox=${`0 0 ${width} ${height}`}>
      <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8" /></marker></defs>
      ${layout.states.map((s) => {
        const compound = s.type === 'compound' || s.type === 'parallel';
        const cls = `state${compound ? ' compound' : ''}${active.has(s.id) ? ' active' : ancestors.has(s.id) ? ' ancestor' : ''}`;
        return html`<g data-state-id=${s.id} data-active=${active.has(s.id) ? 'true' : ancestors.has(s.id) ? 'ancestor' : 'false'}>
          <rect class=${cls} x=${s.x} y=${s.y} width=${s.width} height=${s.height} rx="8" stroke-dasharray=${s.tags.includes('offline') ? '5 3' : undefined} />
          <text x=${compound ? s.x + 10 : s.x + s.width / 2} y=${compound ? s.y + 17 : s.y + s.height / 2 + 4} text-anchor=${compound ? 'start' : 'middle'} font-weight=${active.has(s.id) ? '700' : '400'}>${s.initial ? '→ ' : ''}${s.key}</text>
        </g>`;
      })}
      ${layout.edges.map((e) => html`<g>
        <path class="edge" d=${e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p[0]},${p[1]}`).join(' ')} marker-end="url(#arrow)"><title>${e.events.join('\n')}</title></path>
        ${e.labelAt && html`<text class="edge" x=${e.labelAt.x + 3} y=${e.labelAt.y + 11}><title>${e.events.join('\n')}</title>${e.label}</text>`}
      </g>`)}
    </svg>
    </div>
    ${layout.rootTransitions.length > 0 && html`<div class="root-transitions">In every state: ${layout.rootTransitions.map((t) => `${t.events.join(', ')} → ${t.target.replace(`${layout.machine}.`, '')}`).join('; ')}</div>`}
  </div>`;
}

const snapshotCache = new Map();

/** The actor's full snapshot at the step, when the trace holds snapshots (`explore --trace` writes them). */
function Snapshot({ traceId, steps, step }) {
  const [, setLoaded] = useState(0);
  const found = lastIndexAtOrBefore(steps.length, (i) => steps[i], step);
  if (found < 0) return null;
  const at = steps[found];
  const key = `${traceId}:${at}`;
  const cached = snapshotCache.get(key);
  if (cached === undefined) {
    snapshotCache.set(key, null);
    getJson(`/api/events?trace=${encodeURIComponent(traceId)}&from=${at}&to=${at}`).then((events) => {
      snapshotCache.set(key, events[0]?.snapshot ?? {});
      setLoaded((n) => n + 1);
    });
  }
  return html`<details class="snapshot" data-testid="actor-snapshot"><summary>full snapshot as of step ${at} (context, value, status)</summary>
    <pre>${cached ? JSON.stringify(cached, null, 1) : 'loading…'}</pre></details>`;
}

function ActorDetails({ index, world, actorId, recent }) {
  if (actorId === undefined) return html`<p class="muted">Click an actor in the topology (a segment, an instance, an AZ) to see its state, its SCL and its statechart.</p>`;
  const actor = index.actors.find((a) => a.id === actorId);
  if (actor === undefined) return html`<p class="error">No actor ${actorId} in this trace.</p>`;
  const state = world.states.get(actorId);
  const scl = world.scl.get(actorId);
  return html`<div class="details" data-testid="actor-details" data-actor=${actorId}>
    <dl>
      <dt>actor</dt><dd>${actorId}</dd>
      <dt>statechart</dt><dd>${actor.machine ?? '(not an actor: a network endpoint)'}</dd>
      <dt>state</dt><dd data-testid="actor-state">${state === undefined ? 'none yet' : state.value}${state !== undefined ? html` <span class="muted">since step ${state.since} (${fmtMs(index.atMs[state.since])})</span>` : ''}</dd>
      ${actor.role === 'segment' && html`<dt>SCL</dt><dd data-testid="actor-scl">${scl === undefined ? 'not reported yet' : scl.scl}${scl !== undefined ? html` <span class="muted">as reported by its message at step ${scl.at}</span>` : ''}</dd>`}
      ${actor.az !== undefined && html`<dt>AZ</dt><dd>${actor.az}</dd>`}
      ${actor.pg !== undefined && html`<dt>PG</dt><dd>${actor.pg}</dd>`}
      <dt>recent</dt><dd>${recent.length === 0 ? html`<span class="muted">nothing in the window</span>` : recent.map((e) => html`<div>#${e.step} ${summary(e)}</div>`)}</dd>
    </dl>
    <${Snapshot} traceId=${index.id} steps=${index.snapshots[index.actors.indexOf(actor)] ?? []} step=${world.step} />
    ${actor.machine !== undefined && html`<${Statechart} machine=${actor.machine} value=${state?.value} />`}
  </div>`;
}

function summary(e) {
  switch (e.kind) {
    case 'send': return `send ${e.message?.type ?? ''} ${shortName(e.from)} → ${shortName(e.to)}`;
    case 'deliver': return `deliver ${e.type} ${shortName(e.from)} → ${shortName(e.to)}`;
    case 'drop': return `drop ${e.type} ${shortName(e.from)} → ${shortName(e.to)} (${e.reason})`;
    case 'timer': return `timer ${e.type} at ${shortName(e.actor)}`;
    case 'signal': return `signal ${e.type} ${shortName(e.from)} → ${shortName(e.to)}`;
    case 'state': return `state ${shortName(e.actor)} = ${e.value}`;
    case 'client': return `client ${e.process} ${e.type} ${e.value?.txnId === undefined ? '' : `txn ${e.value.txnId}`}${e.value?.error ? ` (${e.value.error})` : ''}`;
    case 'fault': return `FAULT ${e.fault} ${e.target}`;
    case 'verdict': return `${e.ok ? 'verdict' : 'VIOLATION'} ${e.invariant}${e.final ? ' (final)' : ''}${e.message ? `: ${e.message}` : ''}`;
    case 'note': return `note ${e.text}`;
    case 'snapshot': return `snapshot ${shortName(e.actor)}`;
    default: return e.kind;
  }
}

function involves(e, id) {
  return e.from === id || e.to === id || e.actor === id || e.target === id;
}

/** A message sequence (Lamport) diagram of the window: one lane per endpoint, one row per event. */
function Sequence({ index, events, from, to, step, select }) {
  const order = new Map(index.actors.map((a, i) => [a.id, i]));
  const laneIds = [];
  const seen = new Set();
  const lane = (id) => { if (id !== undefined && !seen.has(id)) { seen.add(id); laneIds.push(id); } };
  for (const e of events) { lane(e.from); lane(e.to); lane(e.actor); }
  laneIds.sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9) || a.localeCompare(b));
  const x = new Map(laneIds.map((id, i) => [id, 60 + i * LANE_PX + LANE_PX / 2]));
  const top = 34;
  const y = (s) => top + (s - from) * ROW_PX + ROW_PX / 2;
  const height = top + (to - from + 1) * ROW_PX + 8;
  const width = 60 + laneIds.length * LANE_PX + 20;
  const deliveredInWindow = new Set(events.filter((e) => e.sentAt !== undefined).map((e) => e.sentAt));
  const shapes = [];
  for (const e of events) {
    const yy = y(e.step);
    if (e.step === step) shapes.push(html`<rect class="now" x="0" y=${yy - ROW_PX / 2} width=${width} height=${ROW_PX} />`);
    if (e.kind === 'fault') shapes.push(html`<rect class="fault" x="0" y=${yy - ROW_PX / 2} width=${width} height=${ROW_PX} />`);
    if (e.kind === 'verdict' && !e.ok) shapes.push(html`<rect class="violation" x="0" y=${yy - ROW_PX / 2} width=${width} height=${ROW_PX} />`);
  }
  for (const id of laneIds) shapes.push(html`<line class="lane" x1=${x.get(id)} x2=${x.get(id)} y1=${top - 4} y2=${height} />`);
  for (const e of events) {
    const yy = y(e.step);
    shapes.push(html`<text x="4" y=${yy + 4} class="muted">${e.step}</text>`);
    if ((e.kind === 'deliver' || e.kind === 'drop') && x.has(e.from) && x.has(e.to)) {
      const y1 = e.sentAt !== undefined && e.sentAt >= from ? y(e.sentAt) : top - 4;
      const x1 = x.get(e.from);
      const x2 = e.kind === 'drop' ? (x1 + x.get(e.to)) / 2 : x.get(e.to);
      shapes.push(html`<line class=${`msg${e.kind === 'drop' ? ' drop' : ''}`} x1=${x1} y1=${y1} x2=${x2} y2=${yy} marker-end=${e.kind === 'deliver' ? 'url(#seq-arrow)' : undefined}><title>${summary(e)}</title></line>`);
      shapes.push(html`<text x=${x2 + 3} y=${yy - 2}>${e.kind === 'drop' ? `✗ ${e.type}` : e.type}</text>`);
    } else if (e.kind === 'send' && !deliveredInWindow.has(e.step) && x.has(e.from) && x.has(e.to)) {
      shapes.push(html`<line class="msg pending" x1=${x.get(e.from)} y1=${yy} x2=${x.get(e.to)} y2=${height}><title>${summary(e)} (arrives after the window)</title></line>`);
      shapes.push(html`<circle cx=${x.get(e.from)} cy=${yy} r="2.5" fill="#2563eb" />`);
    } else if (e.kind === 'send' && x.has(e.from)) {
      shapes.push(html`<circle cx=${x.get(e.from)} cy=${yy} r="2.5" fill="#2563eb"><title>${summary(e)}</title></circle>`);
    } else if (e.kind === 'state' && x.has(e.actor)) {
      shapes.push(html`<text class="state-label" x=${x.get(e.actor) + 4} y=${yy + 4}>= ${e.value}</text>`);
    } else if (e.kind === 'timer' && x.has(e.actor)) {
      shapes.push(html`<circle cx=${x.get(e.actor)} cy=${yy} r="4" fill="none" stroke="#7c3aed" /><text x=${x.get(e.actor) + 6} y=${yy + 4}>timer ${e.type}</text>`);
    } else if (e.kind === 'signal' && x.has(e.from) && x.has(e.to)) {
      shapes.push(html`<line class="msg" x1=${x.get(e.from)} y1=${yy} x2=${x.get(e.to)} y2=${yy} stroke-dasharray="1 2" /><text x=${x.get(e.to) + 3} y=${yy - 2}>${e.type}</text>`);
    } else if (e.kind === 'fault' || e.kind === 'verdict' || e.kind === 'note' || e.kind === 'client') {
      shapes.push(html`<text x="60" y=${yy + 4}>${summary(e)}</text>`);
    }
  }
  return html`<div class="seq" data-testid="sequence"><svg width=${width} height=${height}>
    <defs><marker id="seq-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#2563eb" /></marker></defs>
    ${shapes}
    ${laneIds.map((id) => html`<text class="lane" x=${x.get(id)} y="14" text-anchor="middle" style="cursor:pointer" onClick=${() => select(id)}>${shortName(id)}</text>`)}
  </svg></div>`;
}

function App({ traces }) {
  const initial = readUrl();
  const [traceId, setTraceId] = useState(initial.trace && traces.some((t) => t.id === initial.trace) ? initial.trace : traces[0]?.id);
  const [index, setIndex] = useState(undefined);
  const [error, setError] = useState(undefined);
  const [step, setStepRaw] = useState(initial.step ?? 0);
  const [actor, setActor] = useState(initial.actor);
  const [windowSize, setWindowSize] = useState(initial.window > 0 ? initial.window : 40);
  const [playing, setPlaying] = useState(false);
  const [, setLoadedBlocks] = useState(0);
  const cache = useMemo(() => (traceId === undefined ? undefined : createEventCache(traceId, () => setLoadedBlocks((n) => n + 1))), [traceId]);
  const stepRef = useRef(step);

  useEffect(() => {
    if (traceId === undefined) return;
    setIndex(undefined);
    getJson(`/api/index?trace=${encodeURIComponent(traceId)}`).then((loaded) => {
      const first = loaded.verdicts.filter(isViolation).sort((a, b) => a.step - b.step)[0];
      // A link names its step; without one, a trace with a violation opens at the first one.
      const start = readUrl().trace === traceId && readUrl().step !== undefined ? readUrl().step : first !== undefined ? first.step : 0;
      stepRef.current = Math.min(Math.max(0, start), loaded.events - 1);
      setStepRaw(stepRef.current);
      setIndex(loaded);
    }, (e) => setError(e.message));
  }, [traceId]);

  const setStep = (s) => {
    if (index === undefined) return;
    const clamped = Math.min(Math.max(0, Math.round(s)), index.events - 1);
    stepRef.current = clamped;
    setStepRaw(clamped);
  };
  useEffect(() => { if (index !== undefined && traceId !== undefined) writeUrl({ trace: traceId, step, actor, window: windowSize }); }, [traceId, step, actor, windowSize, index]);

  useEffect(() => {
    if (!playing || index === undefined) return undefined;
    let frame;
    const tick = () => {
      if (stepRef.current >= index.events - 1) { setPlaying(false); return; }
      setStep(stepRef.current + Math.max(1, Math.round(index.events / 2000)));
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [playing, index]);

  useEffect(() => {
    const onKey = (e) => {
      if (e.target instanceof HTMLInputElement && e.target.type === 'number') return;
      const jump = e.shiftKey ? 50 : 1;
      if (e.key === 'ArrowRight') setStep(stepRef.current + jump);
      else if (e.key === 'ArrowLeft') setStep(stepRef.current - jump);
      else if (e.key === 'Home') setStep(0);
      else if (e.key === 'End') setStep(Infinity);
      else if (e.key === ' ') setPlaying((p) => !p);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [index]);

  if (error) return html`<p class="error">${error}</p>`;
  if (traces.length === 0) return html`<p class="error">This viewer was started without a trace.</p>`;
  if (index === undefined) return html`<p class="loading">Loading ${traceId}…</p>`;

  const world = worldAt(index, step);
  const { rows, firstViolation } = invariantsAt(index, step);
  const from = Math.max(0, step - windowSize + 1);
  const { events } = cache.between(from, step);
  const recent = actor === undefined ? [] : events.filter((e) => involves(e, actor)).slice(-6);
  const header = index.header;
  viewer.rendered(index, step);
  return html`<div>
    <header class="top">
      <h1>aurora-actors viewer</h1>
      ${traces.length > 1
        ? html`<select value=${traceId} onChange=${(e) => { setTraceId(e.currentTarget.value); setActor(undefined); }}>${traces.map((t) => html`<option value=${t.id}>${t.id}</option>`)}</select>`
        : html`<span>${index.file}</span>`}
      <span class="meta">${header?.scenario ? `scenario ${header.scenario}` : ''}${header?.seed !== undefined ? ` · seed ${header.seed}` : ''}${header?.plant ? ` · plant ${header.plant}` : ''} · ${index.events.toLocaleString('en-US')} events</span>
    </header>
    <${Scrubber} index=${index} step=${step} setStep=${setStep} playing=${playing} setPlaying=${setPlaying} firstViolation=${firstViolation} />
    <main>
      <section class="panel"><h2>Topology at step ${step}</h2><${Topology} index=${index} world=${world} selected=${actor} select=${setActor} /></section>
      <section class="panel"><h2>Selected actor</h2><${ActorDetails} index=${index} world=${world} actorId=${actor} recent=${recent} /></section>
      <section class="panel"><h2>Invariants at step ${step}</h2><${Invariants} rows=${rows} firstViolation=${firstViolation} setStep=${setStep} /></section>
      <section class="panel"><h2>Events ${from}–${step}</h2>
        <ol class="events">${events.slice().reverse().map((e) => html`<li class=${`k-${e.kind}${e.step === step ? ' current' : ''}`} onClick=${() => setStep(e.step)}>#${e.step} ${fmtMs(e.atMs)} ${summary(e)}</li>`)}</ol>
      </section>
      <section class="panel wide"><h2>Message sequence, steps ${from}–${step}</h2>
        <div class="controls">window <select value=${windowSize} onChange=${(e) => setWindowSize(Number(e.currentTarget.value))}>${[20, 40, 100, 200].map((n) => html`<option value=${n}>${n} events</option>`)}</select>
          <span>arrows run from a message's send to its delivery; red dashes are drops, grey dashes arrive after the window</span></div>
        <${Sequence} index=${index} events=${events} from=${from} to=${step} step=${step} select=${setActor} />
      </section>
    </main>
  </div>`;
}

// ---- a handle for tests and for measuring ------------------------------------------------------

/** What the page exposes as `window.auroraViewer`: readiness, load time and a scrub measurement. */
const viewer = {
  ready: false,
  /** Milliseconds from navigation start to the first render of the index. */
  loadMs: undefined,
  step: undefined,
  events: undefined,
  rendered(index, step) {
    this.step = step;
    this.events = index.events;
    if (!this.ready) {
      this.ready = true;
      this.loadMs = performance.now();
    }
  },
  /**
   * Moves the scrubber `frames` times, once per animation frame, spread over the whole trace, and
   * returns the frames drawn per second (each frame renders the step: topology, invariants,
   * statechart, sequence diagram from the blocks loaded so far).
   */
  scrub(frames) {
    const input = document.querySelector('input[type=range]');
    const last = Number(input.max);
    return new Promise((resolve) => {
      let n = 0;
      const started = performance.now();
      const tick = () => {
        if (n === frames) {
          const ms = performance.now() - started;
          resolve({ frames, ms, framesPerS: (frames * 1000) / ms });
          return;
        }
        input.value = String(Math.round((n * last) / frames));
        input.dispatchEvent(new Event('input', { bubbles: true }));
        n++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  },
};
window.auroraViewer = viewer;

getJson('/api/traces').then(
  (traces) => render(html`<${App} traces=${traces} />`, document.getElementById('app')),
  (e) => render(html`<p class="error">${e.message}</p>`, document.getElementById('app')),
);
