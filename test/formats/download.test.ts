import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { writeBundle } from '../../pipeline/formats/bundle.js';
import { contentDisposition, selectDownload } from '../../pipeline/formats/download.js';
import { refusal } from '../helpers.js';
import { fixture, plainRenderer } from './fixture.js';

const files = writeBundle(fixture(), { renderer: plainRenderer });


describe('selectDownload', () => {
  it('gives each format its file, content type and name', () => {
    const cases: [string, string | undefined, string, string, string][] = [
      ['json', undefined, 'job_4f2a9c.aligned.json', 'application/json', 'aligned.json'],
      ['csv', undefined, 'job_4f2a9c.csv', 'text/csv; charset=utf-8', 'aligned.csv'],
      ['tmx', undefined, 'job_4f2a9c.tmx', 'application/x-tmx+xml', 'bundle.tmx'],
      ['xliff', 'es', 'job_4f2a9c.fr-es.xlf', 'application/x-xliff+xml', 'xliff/fr-es.xlf'],
      ['i18next', 'en', 'job_4f2a9c.en.json', 'application/json', 'locales/en/article.json'],
      ['i18next', 'fr', 'job_4f2a9c.fr.json', 'application/json', 'locales/fr/article.json'],
    ];
    for (const [format, target, filename, contentType, path] of cases) {
      const d = selectDownload(files, format, target);
      expect([d.filename, d.contentType]).toEqual([filename, contentType]);
      expect(d.body).toBe(files.get(path));
    }
  });

  it('zips the whole bundle', () => {
    const d = selectDownload(files, 'zip');
    expect([d.filename, d.contentType]).toEqual(['job_4f2a9c.zip', 'application/zip']);
    expect(Object.keys(unzipSync(d.body as Uint8Array)).sort()).toEqual([...files.keys()].sort());
  });

  it('names later revisions apart', () => {
    const input = fixture();
    input.revision = 3;
    expect(selectDownload(writeBundle(input, { renderer: plainRenderer }), 'tmx').filename).toBe('job_4f2a9c-r3.tmx');
  });

  it('refuses an unknown format (400), a language not in the job (404), a missing target where several exist (400)', () => {
    expect(refusal(() => selectDownload(files, 'docx'))).toMatchObject({ status: 400, code: 'unknown-format' });
    expect(refusal(() => selectDownload(files, 'xliff', 'vi'))).toMatchObject({ status: 404, code: 'unknown-target' });
    expect(refusal(() => selectDownload(files, 'xliff', 'fr'))).toMatchObject({ status: 404, code: 'unknown-target' });
    const missing = refusal(() => selectDownload(files, 'xliff'));
    expect(missing).toMatchObject({ status: 400, code: 'target-required' });
    expect(missing.message).toContain('en, es');
  });
});

describe('contentDisposition', () => {
  it('quotes a safe ASCII name and carries the exact one in filename*', () => {
    expect(contentDisposition('job_1.fr-en.xlf')).toBe(`attachment; filename="job_1.fr-en.xlf"; filename*=UTF-8''job_1.fr-en.xlf`);
    expect(contentDisposition('bài "1".json')).toBe(`attachment; filename="b_i_1_.json"; filename*=UTF-8''b%C3%A0i%20%221%22.json`);
  });
});
