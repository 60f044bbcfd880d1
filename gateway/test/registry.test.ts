import { parseRegistryCsv } from '../src/accounts/registry';

describe('government-ID registry CSV', () => {
  it('reads a valid file', () => {
    const { rows, errors } = parseRegistryCsv(
      'govId,name,phone,specialty\nMD-001,Dr. Ada Smith,+14155550123,Cardiology\n"MD-002","Dr. Bo, Jr.",+447700900123,Oncology\n',
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { govId: 'MD-001', name: 'Dr. Ada Smith', phone: '+14155550123', specialty: 'Cardiology' },
      { govId: 'MD-002', name: 'Dr. Bo, Jr.', phone: '+447700900123', specialty: 'Oncology' },
    ]);
  });

  it('reports every bad line with its number and field', () => {
    const { errors } = parseRegistryCsv(
      [
        'govId,name,phone,specialty',
        'MD-001,Dr. A,+14155550123,Cardiology',
        'MD 002,Dr. B,+14155550124,Cardiology',
        'MD-003,Dr. C,555-1234,Cardiology',
        'MD-001,Dr. D,+14155550125,Cardiology',
        'MD-004,Dr. E,+14155550126',
      ].join('\n'),
    );
    expect(errors).toEqual([
      { line: 3, field: 'govId', message: expect.any(String) },
      { line: 4, field: 'phone', message: expect.any(String) },
      { line: 5, field: 'govId', message: 'duplicate of line 2' },
      { line: 6, message: 'expected 4 columns, found 3' },
    ]);
  });

  it('refuses a file without the expected header', () => {
    expect(parseRegistryCsv('id,name\nx,y\n').errors[0]).toMatchObject({ line: 1 });
  });
});
