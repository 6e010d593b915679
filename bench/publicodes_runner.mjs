// publicodes worker for bench/compare.py: one model, one fresh node process.
//
//   node bench/publicodes_runner.mjs DIR [REPEAT] [BUDGET_S]
//
// DIR holds publicodes.json (the rules, from bench/models.py) and scenarios.f64 (the scenario
// amounts, float64, one row of N inputs per scenario, written by compare.py). Prints one JSON
// object: compile_s (new Engine: parse and check the rules), eval_s (per-unit total and the six
// shares from an empty cache), evals1000_s (a loop of setSituation with every input changed +
// the same evaluations; fewer than 1 000 scenarios when 1 000 would take over BUDGET_S seconds,
// then scaled linearly and marked "extrapolated"), peak_mb (the process's peak RSS), total.
// Timings are medians of REPEAT runs after one warm-up; the scenario loop runs once.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Engine from 'publicodes'

const [dir, repeatArg = '5', budgetArg = '60'] = process.argv.slice(2)
const repeat = Number(repeatArg)
const budget = Number(budgetArg)
const mb = (kb) => kb / 1024
const baseMb = process.memoryUsage().rss / 2 ** 20

const rules = JSON.parse(readFileSync(join(dir, 'publicodes.json'), 'utf8'))
const inputs = Object.keys(rules).filter((k) => /^x\d+$/.test(k))
const shares = Object.keys(rules).filter((k) => k.startsWith('share_'))
// warnings (none expected) would be printed per rule; errors still throw
const logger = { log() {}, warn() {}, error: (m) => console.error(m) }

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function timeIt(fn, setup = () => undefined) {
  const out = []
  let value
  for (let r = 0; r <= repeat; r++) {
    const arg = setup()
    const t = performance.now()
    value = fn(arg)
    const dt = (performance.now() - t) / 1000
    if (r > 0) out.push(dt)   // run 0 is the warm-up
  }
  return [median(out), value]
}

function results(engine) {
  const total = engine.evaluate('per_unit').nodeValue
  for (const s of shares) engine.evaluate(s)
  return total
}

// rules are copied outside the timing in case the engine keeps references into them
const [compileS, engine] = timeIt((r) => new Engine(r, { logger }), () => structuredClone(rules))
const [evalS, total] = timeIt(() => {
  engine.resetCache()
  return results(engine)
})
const peakSingleMb = mb(process.resourceUsage().maxRSS)

// scenarios: every input changed, the situation rebuilt and set each time
const buf = readFileSync(join(dir, 'scenarios.f64'))
const S = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8)
const n = inputs.length
const rows = S.length / n
function scenario(j) {
  const situation = {}
  for (let i = 0; i < n; i++) situation[inputs[i]] = S[j * n + i]
  engine.setSituation(situation)
  return results(engine)
}
// estimate from two scenarios, then run k of them
let t = performance.now()
scenario(0); scenario(1)
const est = (performance.now() - t) / 2000
const k = est * 1000 <= budget ? Math.min(1000, rows) : Math.min(rows, 20)
const totals = []
t = performance.now()
for (let j = 0; j < k; j++) totals.push(scenario(j))
const loopS = (performance.now() - t) / 1000

process.stdout.write(JSON.stringify({
  engine: 'publicodes', size: n, compile_s: compileS, eval_s: evalS,
  evals1000_s: loopS * 1000 / k, scenarios_measured: k, extrapolated: k < 1000,
  peak_mb: mb(process.resourceUsage().maxRSS), peak_single_mb: peakSingleMb, base_mb: baseMb,
  memory: 'peak RSS of the node process (process.resourceUsage().maxRSS)',
  total, scenario_totals: totals, version: JSON.parse(readFileSync(new URL('./node_modules/publicodes/package.json', import.meta.url))).version,
  node: process.version,
}) + '\n')
