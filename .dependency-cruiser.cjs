// Enforces the layers of docs/ARCHITECTURE.md ("Layers and folders"): folders under src/
// form layers, and a folder may import only folders listed before it here (arrows point
// down). `app` is the composition root.
//
// A domain's records (`src/<domain>/**/<name>-records.ts`: the shapes of what it keeps,
// such as an upload or a build) live in the domain they describe, and `db` stores them:
// `db` may import a records file of a higher layer, and a records file imports nothing
// from `db` or above, so it sits with `db` in the order.
const layers = [
  'shared',
  'config',
  'debian',
  'pgp',
  'exec',
  'events',
  'db',
  'chroot',
  'builder',
  'remote',
  'archive',
  'scheduler',
  'incoming',
  'own-uploads',
  'api',
  'web',
  'cli',
  'app',
];

const records = '^src/.+-records\\.ts$';
const db = layers.indexOf('db');

const forbidden = layers.map((layer, index) => {
  const higher = layers.slice(index + 1);
  return {
    name: `no-${layer}-upward`,
    comment: `src/${layer} may only import from: ${layers.slice(0, index).join(', ') || '(nothing)'}${layer === 'db' ? ', and the records files of the domains' : ''}`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: {
      path: higher.length ? `^src/(${higher.join('|')})/` : '^$',
      ...(layer === 'db' ? { pathNot: records } : {}),
    },
  };
});

forbidden.push(
  {
    name: 'records-are-leaves',
    comment: `a domain's records file may only import from: ${layers.slice(0, db).join(', ')}`,
    severity: 'error',
    from: { path: records },
    to: { path: `^src/(${layers.slice(db).join('|')})/` },
  },
  {
    name: 'no-unknown-folder',
    comment: 'every source file lives in one of the layer folders of docs/ARCHITECTURE.md',
    severity: 'error',
    from: { path: '^src/', pathNot: `^src/(${layers.join('|')})/` },
    to: {},
  },
  {
    name: 'no-circular',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
