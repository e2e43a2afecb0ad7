import { promises as fs } from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

/**
 * Copies a template folder: `*.ejs` files are rendered with `data` (and lose the
 * suffix), `__name__` in a file name becomes `data.name`, everything else is copied
 * with its mode.
 */
export async function renderTemplateTree(
  from: string,
  to: string,
  data: Record<string, unknown>,
): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const name = entry.name
      .replace(/__([A-Za-z]+)__/g, (_, key: string) => String(data[key]))
      .replace(/\.ejs$/, '');
    const target = path.join(to, name);
    if (entry.isDirectory()) {
      await renderTemplateTree(source, target, data);
    } else if (entry.name.endsWith('.ejs')) {
      const text = await ejs.renderFile(source, data, { async: false });
      await fs.writeFile(target, text);
    } else {
      await fs.copyFile(source, target);
      await fs.chmod(target, (await fs.stat(source)).mode & 0o777);
    }
  }
}
