// Tests provoke warnings on purpose (refused messages, failing handlers); only errors are shown.
import { Logger } from '@nestjs/common';

Logger.overrideLogger(['error']);
