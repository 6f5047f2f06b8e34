import fs from 'node:fs';
import { SerialPort } from 'serialport';

/**
 * The serial ports of this machine for `--list`. node-serialport asks udev on Linux (`udevadm info
 * -e`), which containers and minimal installs often lack; then the device nodes a serial adapter
 * or UART gets (/dev/ttyUSB*, ttyACM*, ttyS*, ttyAMA*) are listed without their details.
 */
export interface ListedPort {
  readonly path: string;
  /** manufacturer, serial number, USB vendor:product, as known */
  readonly details: string;
}

export interface PortListing {
  readonly ports: ListedPort[];
  /** set when the details source was unavailable and device nodes were listed instead */
  readonly note?: string;
}

const SERIAL_NODE = /^tty(USB|ACM|S|AMA)\d+$/;

export async function listSerialPorts(devDir = '/dev'): Promise<PortListing> {
  try {
    const ports = await SerialPort.list();
    return {
      ports: ports.map((port) => ({
        path: port.path,
        details: [port.manufacturer, port.serialNumber && `serial ${port.serialNumber}`, port.vendorId && `usb ${port.vendorId}:${port.productId ?? ''}`]
          .filter(Boolean)
          .join('  '),
      })),
    };
  } catch (error) {
    const names = fs.readdirSync(devDir).filter((name) => SERIAL_NODE.test(name));
    names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return {
      ports: names.map((name) => ({ path: `${devDir}/${name}`, details: '' })),
      note: `port details unavailable (${(error as Error).message}; udev provides them); listing device nodes`,
    };
  }
}
