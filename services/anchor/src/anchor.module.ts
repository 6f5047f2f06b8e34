import { DynamicModule, Module } from '@nestjs/common';
import { EvmChain } from './adapters/evm-chain';
import { AnchorHealth, ChainHealth } from './anchor.health';
import { AnchorService } from './anchor.service';
import { AnchorsController } from './anchors.controller';
import { BatchStore } from './batch-store';
import { Batcher } from './batcher';
import { ChainPort } from './chain.port';
import { ANCHOR_OPTIONS, AnchorOptions, ResolvedAnchorOptions, resolveAnchorOptions } from './config';
import { ReceiptService } from './receipt.service';
import { TreeCache } from './tree-cache';

/**
 * The anchor service. Needs the `Bus` provider from a global module of the app. The app starts
 * an AnvilNode when CHAIN_RPC_URL is unset and passes its rpcUrl and dev key as `chain`.
 */
@Module({})
export class AnchorModule {
  static forRoot(options: AnchorOptions): DynamicModule {
    const resolved = resolveAnchorOptions(options);
    return {
      module: AnchorModule,
      controllers: [AnchorsController],
      providers: [
        { provide: ANCHOR_OPTIONS, useValue: resolved },
        { provide: BatchStore, useFactory: (o: ResolvedAnchorOptions) => new BatchStore(o.dataDir), inject: [ANCHOR_OPTIONS] },
        {
          provide: ChainPort,
          useFactory: (o: ResolvedAnchorOptions) =>
            new EvmChain({
              ...o.chain,
              dataDir: o.dataDir,
              confirmations: o.confirmations,
              txTimeoutMs: o.txTimeoutMs,
              resubmitAfterMs: o.resubmitAfterMs,
              pollingIntervalMs: o.pollingIntervalMs,
            }),
          inject: [ANCHOR_OPTIONS],
        },
        { provide: TreeCache, useValue: new TreeCache() },
        Batcher,
        AnchorService,
        ReceiptService,
        AnchorHealth,
        ChainHealth,
      ],
      exports: [ReceiptService, AnchorHealth, ChainHealth, ChainPort, BatchStore],
    };
  }
}
