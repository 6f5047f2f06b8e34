import { BadRequestException } from '@nestjs/common';
import { parseAlertsQuery } from './alerts.query';

describe('GET /api/alerts query', () => {
  it('defaults to active alerts, 100 at most', () => {
    expect(parseAlertsQuery({})).toEqual({ state: 'active', limit: 100 });
  });

  it('takes state, patientId and limit', () => {
    expect(parseAlertsQuery({ state: 'all', patientId: 'ward-3.bed_12', limit: '5' })).toEqual({ state: 'all', patientId: 'ward-3.bed_12', limit: 5 });
    expect(parseAlertsQuery({ state: 'cleared', limit: '1000' })).toEqual({ state: 'cleared', limit: 1000 });
  });

  it.each(['active-unacknowledged', 'active-acknowledged', 'cleared-unacknowledged', 'cleared-acknowledged'])('takes the status %s as state', (state) => {
    expect(parseAlertsQuery({ state })).toEqual({ state, limit: 100 });
  });

  it.each([
    [{ state: 'open' }, /state must be one of active, cleared, all/],
    [{ state: ['active', 'all'] }, /state must be one of/],
    [{ patientId: '../etc' }, /patientId must be/],
    [{ patientId: '' }, /patientId must be/],
    [{ limit: '0' }, /limit must be a whole number from 1 to 1000/],
    [{ limit: '1001' }, /limit must be/],
    [{ limit: '2.5' }, /limit must be/],
    [{ limit: 'ten' }, /limit must be/],
  ])('answers 400 to %p', (query, message) => {
    let error: unknown;
    try {
      parseAlertsQuery(query);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadRequestException);
    const http = error as BadRequestException;
    expect(http.getStatus()).toBe(400);
    expect(http.getResponse()).toMatchObject({ code: 'ALERTS_E_QUERY', message: expect.stringMatching(message) });
  });
});
