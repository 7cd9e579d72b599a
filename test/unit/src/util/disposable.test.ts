import * as assert from 'node:assert/strict';
import { Disposable, DisposableStore, MutableDisposable, toDisposable } from '../../../../src/util/disposable';

/** Records the order in which the disposables it makes are disposed. */
function recorder() {
  const order: string[] = [];
  return { order, make: (name: string) => toDisposable(() => order.push(name)) };
}

class Owner extends Disposable {
  constructor(children: { dispose(): unknown }[]) {
    super();
    for (const c of children) this._register(c);
  }
}

describe('util/Disposable', () => {
  it('disposes what a subclass registered, newest first', () => {
    const r = recorder();
    new Owner([r.make('a'), r.make('b'), r.make('c')]).dispose();
    assert.deepEqual(r.order, ['c', 'b', 'a']);
  });

  it('is idempotent: a second dispose disposes nothing again', () => {
    let count = 0;
    const owner = new Owner([{ dispose: () => count++ }]);
    owner.dispose();
    owner.dispose();
    assert.equal(count, 1);
  });

  it('disposes every child even when one throws, then rethrows the first error', () => {
    const r = recorder();
    const owner = new Owner([
      r.make('a'),
      {
        dispose: () => {
          throw new Error('boom');
        },
      },
      r.make('c'),
    ]);
    assert.throws(() => owner.dispose(), /boom/);
    assert.deepEqual(r.order, ['c', 'a']);
  });

  it('disposes at once what is registered after its own dispose', () => {
    const r = recorder();
    class Late extends Disposable {
      add(name: string) {
        this._register(r.make(name));
      }
    }
    const late = new Late();
    late.dispose();
    late.add('late');
    assert.deepEqual(r.order, ['late']);
  });
});

describe('util/DisposableStore', () => {
  it('clear() disposes the current set and keeps the store usable', () => {
    const r = recorder();
    const store = new DisposableStore();
    store.add(r.make('first'));
    store.clear();
    assert.equal(store.size, 0);
    store.add(r.make('second'));
    assert.equal(store.size, 1);
    store.dispose();
    assert.deepEqual(r.order, ['first', 'second']);
  });
});

describe('util/MutableDisposable', () => {
  it('a new value disposes the old one; dispose() the last', () => {
    const r = recorder();
    const slot = new MutableDisposable();
    slot.value = r.make('one');
    slot.value = r.make('two');
    assert.deepEqual(r.order, ['one']);
    slot.dispose();
    assert.deepEqual(r.order, ['one', 'two']);
    assert.equal(slot.value, undefined);
    slot.value = r.make('after');
    assert.deepEqual(r.order, ['one', 'two', 'after']);
  });
});
