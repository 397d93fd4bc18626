import { Inject, Injectable, Logger } from '@nestjs/common';
import { DEFAULT_RULE, resolveRule } from '@stockbridge/shared';
import { DomainError } from '../common/errors/domain-error';
import { offsetPage, type OffsetPage } from '../common/paging/offset-page';
import { ChannelNudger } from '../push/channel-nudger';
import { CHANNEL_ADAPTER_FACTORY, type ChannelAdapterFactory } from './adapters/adapter-factory';
import { ChannelCallError, type ChannelConnection } from './adapters/channel-adapter';
import { checkChannelConfig, checkChannelCredentials, checkWithAdapter } from './channel-config';
import { ChannelsRepository, type ChannelChanges } from './channels.repository';
import { CredentialsCipher, CredentialsDecryptError } from './credentials.cipher';
import { ruleFields } from './dto/channel-rule.dto';
import type { CreateChannelDto, ListChannelsQueryDto, UpdateChannelDto } from './dto/channel.dto';
import type { ChannelEntity } from './entities/channel.entity';

/** `kind` is the adapter's ChannelErrorKind, or `config` when the adapter refused the stored settings. */
export type ConnectionTestResult =
  { ok: true } | { ok: false; error: { kind: string; status: number | null; message: string } };

@Injectable()
export class ChannelsService {
  private readonly logger = new Logger(ChannelsService.name);

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly cipher: CredentialsCipher,
    private readonly nudger: ChannelNudger,
    @Inject(CHANNEL_ADAPTER_FACTORY) private readonly adapters: ChannelAdapterFactory,
  ) {}

  /** Gone with its listings, push log and dead letters; a push already in flight for it fails its bookkeeping. */
  async delete(tenantId: string, channelId: string): Promise<void> {
    if (!(await this.channels.delete(tenantId, channelId)))
      throw new DomainError('CHANNEL_NOT_FOUND', `Channel ${channelId} not found`);
  }

  /**
   * Asks the channel's API whether the stored settings work. The outcome is data, not an HTTP error: the request
   * itself succeeded even when the channel refuses the credentials.
   */
  async testConnection(tenantId: string, channelId: string): Promise<ConnectionTestResult> {
    const conn = await this.getConnectionForTest(tenantId, channelId);
    try {
      await this.adapters(conn).testConnection();
      return { ok: true };
    } catch (err) {
      if (err instanceof ChannelCallError)
        return { ok: false, error: { kind: err.kind, status: err.status ?? null, message: err.message } };
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, error: { kind: 'config', status: null, message } };
    }
  }

  async create(tenantId: string, dto: CreateChannelDto): Promise<ChannelEntity> {
    assertValid([
      ...checkChannelConfig(dto.kind, dto.config),
      ...checkChannelCredentials(dto.kind, dto.credentials),
    ]);
    return this.channels.create({
      tenantId,
      name: dto.name,
      kind: dto.kind,
      config: dto.config,
      credentialsEncrypted: this.cipher.encrypt(dto.credentials),
      rule: resolveRule(DEFAULT_RULE, dto.rule ? ruleFields(dto.rule) : null),
      paused: dto.paused ?? false,
    });
  }

  /** Every channel of the tenant, unpaged: for the relay's own use (reconciliation reads each back). */
  list(tenantId: string): Promise<ChannelEntity[]> {
    return this.channels.list(tenantId);
  }

  page(tenantId: string, q: ListChannelsQueryDto): Promise<OffsetPage<ChannelEntity>> {
    return offsetPage(q, (window) =>
      this.channels.page(tenantId, { kind: q.kind, paused: q.paused }, window),
    );
  }

  async get(tenantId: string, channelId: string): Promise<ChannelEntity> {
    const channel = await this.channels.findOne(tenantId, channelId);
    if (!channel) throw new DomainError('CHANNEL_NOT_FOUND', `Channel ${channelId} not found`);
    return channel;
  }

  /** A new rule or config changes what every listing should show: all are marked dirty and the push nudged. */
  async update(tenantId: string, channelId: string, dto: UpdateChannelDto): Promise<ChannelEntity> {
    const current = await this.get(tenantId, channelId);
    const changes: ChannelChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.config !== undefined) {
      assertValid(checkChannelConfig(current.kind, dto.config));
      changes.config = dto.config;
    }
    if (dto.credentials !== undefined) {
      assertValid(checkChannelCredentials(current.kind, dto.credentials));
      changes.credentialsEncrypted = this.cipher.encrypt(dto.credentials);
    }
    if (dto.config !== undefined || dto.credentials !== undefined) {
      const credentials = dto.credentials ?? this.storedCredentials(current);
      assertValid(
        checkWithAdapter({ kind: current.kind, config: dto.config ?? current.config, credentials }),
      );
    }
    if (dto.rule !== undefined) changes.rule = resolveRule(current.rule, ruleFields(dto.rule));
    if (dto.paused !== undefined) changes.paused = dto.paused;

    const repush = dto.rule !== undefined || dto.config !== undefined;
    const updated = await this.channels.update(tenantId, channelId, changes, {
      markDirty: repush,
      // New settings may fix what listings were backing off from (wrong URL, revoked token): try them now.
      resetRetries: dto.config !== undefined || dto.credentials !== undefined,
      // A new config may point at another shop or location, where an "unchanged" quantity was never pushed.
      forgetPushed: dto.config !== undefined,
    });
    if (!updated) throw new DomainError('CHANNEL_NOT_FOUND', `Channel ${channelId} not found`);
    // Resuming, or new credentials, lets the listings that piled up while stuck go out now.
    if (!updated.paused && (repush || dto.paused === false || dto.credentials !== undefined)) {
      await this.nudge(channelId);
    }
    return updated;
  }

  /** Decrypted settings for an adapter (push, reconciliation). Never log or return the result. */
  async getConnection(tenantId: string, channelId: string): Promise<ChannelConnection> {
    const channel = await this.get(tenantId, channelId);
    return {
      kind: channel.kind,
      config: channel.config,
      credentials: this.cipher.decrypt(channel.credentialsEncrypted),
    };
  }

  private async getConnectionForTest(tenantId: string, channelId: string): Promise<ChannelConnection> {
    const channel = await this.get(tenantId, channelId);
    return { kind: channel.kind, config: channel.config, credentials: this.storedCredentials(channel) };
  }

  /** A RELAY_SECRET_KEY change makes stored credentials unreadable: ask for them again rather than fail with 500. */
  private storedCredentials(channel: ChannelEntity): Record<string, string> {
    try {
      return this.cipher.decrypt(channel.credentialsEncrypted);
    } catch (err) {
      if (!(err instanceof CredentialsDecryptError)) throw err;
      throw new DomainError(
        'INVALID_CHANNEL_CONFIG',
        `credentials: the stored credentials of channel ${channel.id} cannot be read with this RELAY_SECRET_KEY; send credentials again`,
        ['credentials: cannot be decrypted, send them again'],
      );
    }
  }

  async nudge(channelId: string): Promise<void> {
    try {
      await this.nudger.nudge([channelId]);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.warn(`nudging channel ${channelId} failed (${reason}); the sweeper will push its listings`);
    }
  }
}

function assertValid(problems: string[]): void {
  if (problems.length > 0) {
    throw new DomainError(
      'INVALID_CHANNEL_CONFIG',
      `Invalid channel settings: ${problems.join('; ')}`,
      problems,
    );
  }
}
