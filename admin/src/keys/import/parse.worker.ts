import { analyseKeyText } from './analyse.js';

// Splitting and de-duplicating 100,000 lines takes long enough to stutter the page; here it cannot.
self.onmessage = (event: MessageEvent<string>) => {
  self.postMessage(analyseKeyText(event.data));
};
