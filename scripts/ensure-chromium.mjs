// The WebGPU backend's tests need a Vulkan device; on machines without a GPU that is SwiftShader,
// which Debian ships with its `chromium` package (also the headless browser of the browser tests).
// `npm test` runs this first: it installs chromium through apt when it is missing and this user may
// (root, or sudo without a password), and otherwise stops with what to install.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];

function present() {
  const hasBrowser = spawnSync('chromium', ['--version'], { stdio: 'ignore' }).status === 0;
  return hasBrowser && ICDS.some((path) => existsSync(path));
}

function canRun(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

if (present()) process.exit(0);

const root = process.getuid?.() === 0;
const sudo = !root && canRun('sudo', ['-n', 'true']);
const apt = canRun('apt-get', ['--version']);
if (!apt || (!root && !sudo)) {
  console.error(
    'npm test: the WebGPU tests need Chromium (for its SwiftShader Vulkan device and headless browser).\n' +
      (apt
        ? '  Install it first: sudo apt-get install -y chromium'
        : '  Install Chromium with your system package manager (Debian/Ubuntu: apt-get install -y chromium).'),
  );
  process.exit(1);
}

console.log('npm test: installing chromium (SwiftShader for the WebGPU tests)');
const prefix = root ? [] : ['sudo', '-n'];
const run = (args) => {
  const [command, ...rest] = [...prefix, ...args];
  execFileSync(command, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', 'chromium']);
if (!present()) {
  console.error('npm test: chromium was installed but SwiftShader\'s vk_swiftshader_icd.json was not found');
  process.exit(1);
}
