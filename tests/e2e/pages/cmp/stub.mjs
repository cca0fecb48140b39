// The IAB's own CMP stub, as a site puts it first in <head>: it defines __tcfapi and queues every
// call until the CMP has loaded. Bundled by tests/e2e/consent_sources.test.mjs.
import installStub from "@iabtcf/stub";

installStub();
