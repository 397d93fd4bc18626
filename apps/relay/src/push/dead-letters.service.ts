import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { assertOneWayToPage, decodeCursor, encodeCursor } from '../common/paging/cursor';
import { ChannelNudger } from './channel-nudger';
import { DeadLettersRepository, type DeadLetterKey, type ReplayTarget } from './dead-letters.repository';
import {
  statusOf,
  type ListDeadLettersQueryDto,
  type ReplayDeadLettersDto,
  type ReplayResultDto,
} from './dto/dead-letter.dto';
import type { DeadLetterEntity } from './entities/dead-letter.entity';

const DEFAULT_PAGE_SIZE = 100;
/** Skipped letters a channel-wide replay lists (orphans of deleted listings). */
const SKIPPED_REPORT_LIMIT = 1000;

const parseKey = (v: readonly unknown[]): DeadLetterKey | null =>
  v.length === 2 && typeof v[0] === 'string' && /^\d{1,20}$/.test(v[0]) && typeof v[1] === 'string'
    ? { createdUs: v[0], id: v[1] }
    : null;

/**
 * The admin side of dead letters: list, replay (one, several, or all open of a channel) and discard. A replay
 * never re-sends the failed quantity: it makes the listing dirty again, so the CURRENT desired quantity goes out.
 */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly letters: DeadLettersRepository,
    private readonly nudger: ChannelNudger,
  ) {}

  async page(
    tenantId: string,
    q: ListDeadLettersQueryDto,
  ): Promise<{ items: DeadLetterEntity[]; nextCursor: string | null }> {
    assertOneWayToPage(q);
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const filter = { channelId: q.channelId, sku: q.sku, status: q.status };
    const rows = await this.letters.page(
      tenantId,
      filter,
      q.offset !== undefined
        ? { limit, offset: q.offset }
        : { limit, after: q.cursor === undefined ? null : decodeCursor(q.cursor, parseKey) },
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => r.letter),
      nextCursor: rows.length > limit && last ? encodeCursor([last.key.createdUs, last.key.id]) : null,
    };
  }

  async get(tenantId: string, id: string): Promise<DeadLetterEntity> {
    const letter = await this.letters.findOne(tenantId, id);
    if (!letter) throw new DomainError('DEAD_LETTER_NOT_FOUND', `Dead letter ${id} not found`);
    return letter;
  }

  /** 404 for another tenant's or an unknown id; 409 when it is not open or its listing was deleted. */
  async replayOne(tenantId: string, id: string): Promise<DeadLetterEntity> {
    const letter = await this.get(tenantId, id);
    const done = await this.replay(tenantId, { ids: [id] });
    if (done.length === 0)
      throw new DomainError('DEAD_LETTER_CLOSED', await this.whyNotReplayed(tenantId, letter));
    return this.get(tenantId, id);
  }

  async replayMany(tenantId: string, body: ReplayDeadLettersDto): Promise<ReplayResultDto> {
    if ((body.ids === undefined) === (body.channelId === undefined))
      throw new DomainError('VALIDATION_FAILED', 'ids, channelId: give exactly one of them', [
        'body: expected ids or channelId',
      ]);
    if (body.channelId !== undefined) {
      const channelId = body.channelId;
      if (!(await this.letters.channelExists(tenantId, channelId)))
        throw new DomainError('CHANNEL_NOT_FOUND', `Channel ${channelId} not found`);
      const done = await this.replay(tenantId, { channelId });
      const orphans = await this.letters.orphansOf(tenantId, channelId, SKIPPED_REPORT_LIMIT);
      return {
        replayed: done.map((d) => d.id),
        skipped: orphans.map((o) => ({ id: o.id, reason: orphanReason(o) })),
      };
    }
    const ids = [...new Set(body.ids)];
    const done = new Set((await this.replay(tenantId, { ids })).map((d) => d.id));
    const known = new Map(
      (
        await this.letters.findMany(
          tenantId,
          ids.filter((id) => !done.has(id)),
        )
      ).map((l) => [l.id, l]),
    );
    const skipped: ReplayResultDto['skipped'] = [];
    for (const id of ids) {
      if (done.has(id)) continue;
      const letter = known.get(id);
      skipped.push({ id, reason: letter ? await this.whyNotReplayed(tenantId, letter) : 'not found' });
    }
    return { replayed: ids.filter((id) => done.has(id)), skipped };
  }

  async discard(tenantId: string, id: string): Promise<DeadLetterEntity> {
    const letter = await this.get(tenantId, id);
    if (!(await this.letters.discard(tenantId, id)))
      throw new DomainError('DEAD_LETTER_CLOSED', `Dead letter ${id} is ${statusOf(letter)}, not open`);
    return this.get(tenantId, id);
  }

  private async replay(
    tenantId: string,
    target: ReplayTarget,
  ): Promise<Array<{ id: string; channelId: string }>> {
    const done = await this.letters.replay(tenantId, target);
    if (done.length > 0) await this.nudger.nudge([...new Set(done.map((d) => d.channelId))]);
    return done;
  }

  private async whyNotReplayed(tenantId: string, letter: DeadLetterEntity): Promise<string> {
    const current = (await this.letters.findOne(tenantId, letter.id)) ?? letter;
    const status = statusOf(current);
    if (status !== 'open') return `Dead letter ${letter.id} is ${status}, not open`;
    if (!(await this.letters.listingExists(tenantId, letter.listingId))) return orphanReason(letter);
    return `Dead letter ${letter.id} could not be replayed; try again`;
  }
}

const orphanReason = (letter: DeadLetterEntity): string =>
  `Dead letter ${letter.id}: its listing ${letter.listingId} (SKU ${letter.sku}) no longer exists; discard it`;
