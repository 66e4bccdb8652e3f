/** Questions: config.sample_questions (also accepted at the top level) and benchmarks.questions (docs/genie-api.md §2.2). */
import { joinPath } from "./problems";
import { byKey, type Reader, withExtras } from "./reader";
import { KEYS, type BenchmarkQuestion, type SampleQuestion } from "./schema";
import { splitLines } from "./text";

export function readSampleQuestions(r: Reader, sources: Array<{ v: unknown; path: string }>): SampleQuestion[] {
  const out: SampleQuestion[] = [];
  for (const { v, path } of sources) {
    r.list(v, path).forEach((item, i) => {
      const p = joinPath(path, i);
      if (typeof item === "string") {
        // friendly form: a sample question as a plain string
        if (item.trim() === "") r.shape(p, "must not be empty: write the question text");
        else out.push({ id: r.id({}, p, "sample_question", item, "sample question"), question: splitLines(item) });
        return;
      }
      if (item === null || item === undefined) { r.shape(p, "is empty: write the question text"); return; }
      const { rec, extras } = r.object(item, p, KEYS.sampleQuestion);
      if (!rec) return;
      const question = r.text(rec.question, joinPath(p, "question"), 'write the question, e.g. question: "What was revenue last month?"');
      if (question === undefined) return;
      out.push(withExtras({ id: r.id(rec, p, "sample_question", question, "sample question"), question: splitLines(question) }, extras));
    });
  }
  return out.sort(byKey((q) => q.id));
}

export function readBenchmarks(r: Reader, v: unknown, path: string): BenchmarkQuestion[] {
  const out: BenchmarkQuestion[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.benchmark);
    if (!rec) return;
    const question = r.text(rec.question, joinPath(p, "question"), "write the benchmark question");
    // A lenient read keeps whatever format the server returned; a strict one only accepts "SQL".
    let answer: Array<{ format: string; content: string[] }> = [];
    if (rec.expected_sql !== undefined && rec.answer !== undefined) {
      r.shape(joinPath(p, "expected_sql"), "expected_sql and answer say the same thing: keep only one of them");
    }
    if (rec.expected_sql !== undefined) {
      const sql = r.lines(rec.expected_sql, joinPath(p, "expected_sql"), "write the SQL that answers the question");
      if (sql) answer = [{ format: "SQL", content: sql }];
    } else if (rec.answer !== undefined && rec.answer !== null) {
      r.list(rec.answer, joinPath(p, "answer")).forEach((a, j) => {
        const ap = joinPath(joinPath(p, "answer"), j);
        const { rec: ar, extras: aex } = r.object(a, ap, KEYS.answer);
        if (!ar) return;
        const format = r.str(ar.format, joinPath(ap, "format"), 'set format: "SQL"');
        if (format !== undefined && format !== "SQL") r.rule(joinPath(ap, "format"), `answer format must be "SQL" (got "${format}")`);
        const content = r.lines(ar.content, joinPath(ap, "content"), "write the SQL of the answer");
        if (format !== undefined && content) answer.push(withExtras({ format, content }, aex));
      });
    }
    if (answer.length !== 1) {
      r.rule(answer.length ? joinPath(p, "answer") : p, answer.length
        ? `a benchmark has exactly one SQL answer (got ${answer.length}): keep one`
        : 'a benchmark needs exactly one SQL answer: add expected_sql: "SELECT …"');
    }
    if (question === undefined) return;
    const benchmark = { id: r.id(rec, p, "benchmark_question", question, "benchmark question"), question: splitLines(question), answer };
    out.push(withExtras(benchmark as BenchmarkQuestion, extras));
  });
  return out.sort(byKey((q) => q.id));
}
