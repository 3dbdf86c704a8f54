import { App } from 'aws-cdk-lib';
import { applyNag } from '../lib/nag.js';
import { buildParley } from '../lib/parley-app.js';

const app = new App();
applyNag(app, buildParley(app));
app.synth();
