// The Sealpost web client: mounts the app. Everything that touches a key runs in the crypto
// worker (lib/crypto.worker.ts); this page sees ciphertext, wrapped keys and what the user
// reads.
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { i18n } from './lib/i18n.svelte.ts';

document.documentElement.lang = i18n.language;
mount(App, { target: document.getElementById('app')! });
