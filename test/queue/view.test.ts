import { describe, expect, it } from 'vitest';
import { toView, type JobRecord, type JobStatus, type TargetState } from '../../workers/store.js';

const target = (status: JobStatus, done = 3): TargetState => ({ status, done, total: 10 });
const record = (status: JobStatus, targets: Record<string, TargetState>): JobRecord => ({
  status,
  meta: { id: 'j_1', submittedAt: '2026-11-30T00:00:00Z', sourceLang: 'fr', confidence: 0.99, detection: 'auto', targets: Object.keys(targets), format: 'text', glossaryVersion: 'g1', segments: 10 },
  targets,
});

describe('job view', () => {
  it('shows siblings of a failed target as cancelled, not as work in progress', () => {
    const view = toView(record('failed', { en: target('active'), vi: target('failed'), es: target('queued', 0), pt: target('completed', 10) }));
    expect(Object.fromEntries(Object.entries(view.targets).map(([l, t]) => [l, t.status]))).toEqual({ en: 'cancelled', vi: 'failed', es: 'cancelled', pt: 'completed' });
    expect(view.targets.en!.done).toBe(3);
  });

  it('leaves targets of a running job as they are', () => {
    const view = toView(record('active', { en: target('active'), es: target('queued', 0) }));
    expect(view.targets.en!.status).toBe('active');
    expect(view.targets.es!.status).toBe('queued');
  });
});
