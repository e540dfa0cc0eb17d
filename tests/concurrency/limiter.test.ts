import { limiter } from "../../components/concurrency";

/** A task that records how many run beside it, and ends when the test says. */
function tracked(state: { running: number; most: number; started: number[] }, id: number, fail = false) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const task = async () => {
    state.started.push(id);
    state.running++;
    state.most = Math.max(state.most, state.running);
    await done;
    state.running--;
    if (fail) throw new Error(`task ${id} failed`);
    return id;
  };
  return { task, finish };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("runs at most `concurrency` tasks at once, the others in the order given", async () => {
  const state = { running: 0, most: 0, started: [] as number[] };
  const limit = limiter(2);
  const tasks = [1, 2, 3, 4, 5].map((id) => tracked(state, id));
  const results = tasks.map((t) => limit(t.task));
  await tick();
  expect(state.started).toEqual([1, 2]);
  tasks[1].finish();
  await tick();
  expect(state.started).toEqual([1, 2, 3]);
  for (const t of tasks) t.finish();
  expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5]);
  expect(state.most).toBe(2);
});

test("a failed task gives its place to the next and fails alone", async () => {
  const state = { running: 0, most: 0, started: [] as number[] };
  const limit = limiter(1);
  const failing = tracked(state, 1, true);
  const next = tracked(state, 2);
  const first = limit(failing.task);
  const second = limit(next.task);
  failing.finish();
  await expect(first).rejects.toThrow("task 1 failed");
  await tick();
  expect(state.started).toEqual([1, 2]);
  next.finish();
  await expect(second).resolves.toBe(2);
  expect(state.most).toBe(1);
});
