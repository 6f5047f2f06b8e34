import fs from 'node:fs';
import path from 'node:path';
import { Wallet, encryptKeystoreJsonSync } from 'ethers';
import { removeDir, tempDir } from '../testing.spec-helper';
import { ANVIL_DEV_PRIVATE_KEY } from './anvil-node';
import { loadKeystoreKey } from './keystore';

describe('loadKeystoreKey', () => {
  let dir: string;
  const password = 'correct horse battery staple';

  beforeEach(() => {
    dir = tempDir('keystore');
  });
  afterEach(() => removeDir(dir));

  /** A Web3 Secret Storage v3 file, with a cheap scrypt so the test stays quick. */
  const writeKeystore = (key: string) => {
    const wallet = new Wallet(key);
    const file = path.join(dir, 'anchorer.json');
    fs.writeFileSync(file, encryptKeystoreJsonSync({ address: wallet.address, privateKey: key }, password, { scrypt: { N: 1 << 10 } }));
    return { file, address: wallet.address };
  };

  it('decrypts the anchoring key from an encrypted JSON keystore', async () => {
    const { file, address } = writeKeystore(ANVIL_DEV_PRIVATE_KEY);
    expect(await loadKeystoreKey({ file, password })).toEqual({ privateKey: ANVIL_DEV_PRIVATE_KEY, address });
  });

  it('refuses a wrong password and a missing file with a coded error that echoes no secret', async () => {
    const { file } = writeKeystore(ANVIL_DEV_PRIVATE_KEY);
    const wrong = await loadKeystoreKey({ file, password: 'not the password' }).catch((e: Error) => e);
    expect((wrong as Error).message).toMatch(/^ANCHOR_E_KEYSTORE: cannot decrypt .*anchorer\.json: wrong password/);
    expect((wrong as Error).message).not.toContain('not the password');
    expect((wrong as Error).message).not.toContain(ANVIL_DEV_PRIVATE_KEY.slice(2));
    await expect(loadKeystoreKey({ file: path.join(dir, 'missing.json'), password })).rejects.toThrow('ANCHOR_E_KEYSTORE: cannot read');
  });
});
