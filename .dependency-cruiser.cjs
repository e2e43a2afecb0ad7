// Enforces the layers of docs/ARCHITECTURE.md ("Layers and folders"): folders under src/
// form layers, and a folder may import only folders listed before it here (arrows point
// down). `app` is the composition root.
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

const forbidden = layers.map((layer, index) => {
  const higher = layers.slice(index + 1);
  return {
    name: `no-${layer}-upward`,
    comment: `src/${layer} may only import from: ${layers.slice(0, index).join(', ') || '(nothing)'}`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: { path: higher.length ? `^src/(${higher.join('|')})/` : '^$' },
  };
});

forbidden.push(
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
