import { Dashboard as DashGen, Panels, Row } from 'grafana-dash-gen';
import { influx, stat } from './panels';
import { toSchemaDashboard } from './to-schema';

const META = { uid: 'pulseproof-test', description: 'test', refresh: '10s', from: 'now-1h' };
const QUERY = 'SELECT last("heart_rate") AS "HR" FROM "readings" WHERE $timeFilter';
const panel = (title: string, span: number) => stat({ title, span, targets: [influx('A', QUERY)] });

describe('toSchemaDashboard', () => {
  it('turns rows of 12 spans into row panels and grid positions of 24 columns, wrapping a full line', () => {
    const dashboard = new DashGen({ title: 'PulseProof — test' });
    dashboard.addRow(new Row({ title: 'first', height: '300px', panels: [panel('a', 6), panel('b', 4), panel('c', 4)] }));
    dashboard.addRow(new Row({ title: 'second', height: '150px', panels: [panel('d', 12)] }));
    const layout = toSchemaDashboard(dashboard, META).panels!.map((p) => [p.type, p.title, p.id, p.gridPos]);
    expect(layout).toEqual([
      ['row', 'first', 1, { x: 0, y: 0, w: 24, h: 1 }],
      ['stat', 'a', 2, { x: 0, y: 1, w: 12, h: 8 }],
      ['stat', 'b', 3, { x: 12, y: 1, w: 8, h: 8 }],
      ['stat', 'c', 4, { x: 0, y: 9, w: 8, h: 8 }], // 12 + 8 + 8 > 24: next line
      ['row', 'second', 5, { x: 0, y: 17, w: 24, h: 1 }],
      ['stat', 'd', 6, { x: 0, y: 18, w: 24, h: 4 }],
    ]);
  });

  it('numbers panels from 1 in every dashboard, whatever grafana-dash-gen counted before', () => {
    const build = () => {
      const dashboard = new DashGen({ title: 'PulseProof — test' });
      dashboard.addRow(new Row({ title: 'r', panels: [panel('a', 12)] }));
      return toSchemaDashboard(dashboard, META).panels!.map((p) => p.id);
    };
    expect(build()).toEqual([1, 2]);
    expect(build()).toEqual([1, 2]);
  });

  it('keeps the InfluxQL target and points the panel at the InfluxDB datasource', () => {
    const dashboard = new DashGen({ title: 'PulseProof — test' });
    dashboard.addRow(new Row({ title: 'r', showTitle: false, panels: [panel('a', 12)] }));
    const [only] = toSchemaDashboard(dashboard, META).panels!;
    expect(only).toMatchObject({
      type: 'stat',
      datasource: { type: 'influxdb', uid: 'pulseproof-influxdb' },
      targets: [{ refId: 'A', query: QUERY, rawQuery: true, resultFormat: 'time_series' }],
      gridPos: { x: 0, y: 0 },
    });
  });

  it('refuses a span outside 1..12 and a panel not built with InfluxQL targets, naming the panel', () => {
    const wide = new DashGen({ title: 'PulseProof — test' });
    wide.addRow(new Row({ title: 'r', panels: [panel('too wide', 13)] }));
    expect(() => toSchemaDashboard(wide, META)).toThrow('panel "too wide": span 13 is not a whole number from 1 to 12');
    const graphite = new DashGen({ title: 'PulseProof — test' });
    graphite.addRow(new Row({ title: 'r', panels: [new Panels.Graph({ title: 'graphite', span: 12 })] }));
    expect(() => toSchemaDashboard(graphite, META)).toThrow(/panel "graphite" was not built by packages\/grafana/);
  });
});
