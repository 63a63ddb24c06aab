import { describe, expect, it } from '@jest/globals';
import { isAbsolute, relative, resolve } from 'node:path';
import { assetsOf, type Asset } from '../lib/download.js';
import { safeSegment } from '../lib/download/file-names.js';
import type { CallbackKind, CallbackStage } from '../lib/classify.js';
import type { CallbackEvent } from '../lib/events.js';
import { toEvent } from '../lib/normalize.js';
import { coverEvent } from './helpers/asset-server.js';
import { fixture, fixtureIndex } from './helpers/fixtures.js';

function eventOf(file: string): CallbackEvent {
  const entry = fixtureIndex.find((candidate) => candidate.file === file);
  if (entry === undefined) throw new Error(`no fixture ${file}`);
  const body = fixture(file);
  const kind = entry.kind as CallbackKind;
  const stage = entry.stage as CallbackStage;
  return toEvent({
    kind,
    stage,
    taskId: entry.taskId,
    code: Number(body.code),
    key: `${kind}:${entry.taskId}:${stage}`,
    receivedAt: new Date(),
    body,
  });
}

// `<task>/<label>`, or `<task>/<stage>/<label>` for the music progress stages.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\/(?:(?:text|first)\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/;

function summary(assets: Asset[]): Array<[string, string, string | undefined]> {
  return assets.map((asset) => [asset.kind, asset.name.split('/')[1] ?? '', asset.extension]);
}

describe('assetsOf(event)', () => {
  it('lists the cover images, named by position, with the extension of the URL path', () => {
    const assets = assetsOf(eventOf('cover.success.json'));
    expect(summary(assets)).toEqual([
      ['cover', 'cover-0', 'png'],
      ['cover', 'cover-1', 'png'],
    ]);
    expect(assets[0]).toMatchObject({
      media: 'image',
      index: 0,
      taskId: '21aee3c3c2a01fa5e030b3799fa4dd56',
      name: '21aee3c3c2a01fa5e030b3799fa4dd56/cover-0',
      url: 'https://tempfile.aiquickdraw.com/s/1753958521_6c1b3015141849d1a9bf17b738ce9347.png',
    });
  });

  it('lists each music track\'s audio, stream and image, and the source_* links when present', () => {
    const assets = assetsOf(eventOf('music.complete.sunoapi.json'));
    expect(assets).toHaveLength(12);
    expect(summary(assets.slice(0, 6))).toEqual([
      ['track-audio', 'track-0-audio', 'mp3'],
      ['track-stream', 'track-0-stream', undefined],
      ['track-image', 'track-0-image', 'jpeg'],
      ['track-source-audio', 'track-0-source-audio', 'mp3'],
      ['track-source-stream', 'track-0-source-stream', undefined],
      ['track-source-image', 'track-0-source-image', 'jpeg'],
    ]);
    expect(assets[6]).toMatchObject({ kind: 'track-audio', index: 1, trackId: 'bd15****1873', media: 'audio' });
  });

  it('leaves out empty links (a track the provider sent without an image)', () => {
    const event = eventOf('music.complete.kie.json');
    if (event.kind !== 'music' || event.stage === 'error') throw new Error('expected music');
    const first = event.tracks[0];
    if (first === undefined) throw new Error('expected a track');
    first.imageUrl = '';
    expect(assetsOf(event).some((asset) => asset.kind === 'track-image' && asset.index === 0)).toBe(false);
  });

  it('lists every stem by name, leaving out an empty origin', () => {
    const split = assetsOf(eventOf('stems.split-stem.sunoapi.json'));
    expect(split.map((asset) => asset.name.split('/')[1])).toEqual(
      expect.arrayContaining(['stem-backingVocals', 'stem-bass', 'stem-drums', 'stem-vocal', 'stem-woodwinds']),
    );
    expect(split).toHaveLength(12);
    expect(split.every((asset) => asset.kind === 'stem' && asset.media === 'audio' && asset.extension === 'mp3')).toBe(true);
    expect(split.find((asset) => asset.stem === 'drums')?.url).toContain('_Drums.mp3');
    const vocal = assetsOf(eventOf('stems.separate-vocal.kie.json'));
    expect(vocal.map((asset) => asset.stem).sort()).toEqual(['instrumental', 'vocal']);
  });

  it('lists the origin stem when it has a link', () => {
    const event = eventOf('stems.separate-vocal.sunoapi.json');
    if (event.kind !== 'stems' || event.stage === 'error') throw new Error('expected stems');
    event.originUrl = 'https://cdn.example.com/origin.mp3';
    const origin = assetsOf(event).at(-1);
    expect(origin).toMatchObject({ kind: 'stem-origin', media: 'audio', url: 'https://cdn.example.com/origin.mp3' });
    expect(origin?.name).toMatch(/\/stem-origin$/);
  });

  it('lists the WAV and the video', () => {
    expect(summary(assetsOf(eventOf('wav.success.json')))).toEqual([['wav', 'wav', 'wav']]);
    expect(assetsOf(eventOf('wav.success.json'))[0]?.fallbackExtension).toBe('wav');
    expect(summary(assetsOf(eventOf('video.success.sunoapi.json')))).toEqual([['video', 'video', 'mp4']]);
  });

  it.each(['lyrics.complete.kie.json', 'midi.success.kie.json', 'voice.success.json', 'voice-phrase.success.json', 'cover.error.json', 'music.error.kie.json'])(
    '%s has no assets',
    (file) => {
      expect(assetsOf(eventOf(file))).toEqual([]);
    },
  );

  it('gives every asset of every fixture a safe name that stays inside the download folder, and no two the same', () => {
    const root = resolve('/srv/downloads');
    const names = new Set<string>();
    for (const entry of fixtureIndex) {
      for (const asset of assetsOf(eventOf(entry.file))) {
        expect(asset.name).toMatch(SAFE_NAME);
        const rel = relative(root, resolve(root, `${asset.name}.${asset.extension ?? asset.fallbackExtension}`));
        expect(rel.startsWith('..') || isAbsolute(rel)).toBe(false);
        names.add(`${entry.file}:${asset.name}`);
      }
    }
    expect(names.size).toBeGreaterThan(30);
  });

  it('turns the masked fixture ids (with *) into a plain folder name with a stable hash', () => {
    const name = assetsOf(eventOf('music.complete.sunoapi.json'))[0]?.name ?? '';
    expect(name).toMatch(/^2fac____9f72-[0-9a-f]{8}\/track-0-audio$/);
    expect(assetsOf(eventOf('music.complete.sunoapi.json'))[0]?.name).toBe(name);
  });

  it.each([
    '../../etc/passwd',
    '..',
    '.',
    '',
    '/absolute',
    'C:\\Windows\\system32',
    'a/b\\c',
    'CON',
    'nul.txt',
    'trailing.',
    '.hidden',
    'x'.repeat(500),
    'ünïcødé-🎵',
    'line\nbreak',
    'null\u0000byte',
  ])('never lets the task id %j escape the folder', (id) => {
    const [asset] = assetsOf(coverEvent(['https://cdn.example.com/a.png'], id));
    if (asset === undefined) throw new Error('expected an asset');
    expect(asset.name).toMatch(SAFE_NAME);
    expect(asset.name.length).toBeLessThan(140);
    expect(asset.taskId).toBe(id);
  });

  it('keeps ids apart that differ only in unsafe characters', () => {
    expect(safeSegment('ab*c')).not.toBe(safeSegment('ab?c'));
    expect(safeSegment('ab*c')).toBe(safeSegment('ab*c'));
    expect(safeSegment('21aee3c3c2a01fa5')).toBe('21aee3c3c2a01fa5');
  });

  it('takes an extension from the URL path only when it fits the media', () => {
    const [exe, upper, query, none] = assetsOf(
      coverEvent([
        'https://cdn.example.com/payload.exe',
        'https://cdn.example.com/COVER.PNG',
        'https://cdn.example.com/c.webp?download=x.exe',
        'https://cdn.example.com/c',
      ]),
    );
    expect([exe?.extension, upper?.extension, query?.extension, none?.extension]).toEqual([undefined, 'png', 'webp', undefined]);
    expect(none?.fallbackExtension).toBe('jpg');
  });
});
