import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { Roles } from '@pulseproof/contracts';
import { AdminTokenGuard } from './admin-token.guard';
import { DevicesAdmin } from './devices-admin';

/**
 * Device administration over HTTP, the twin of `npx pulseproof devices`. Credentials appear in a
 * response once (register, rotate-secret) and nowhere else.
 */
@Controller('api')
@Roles('admin')
@UseGuards(AdminTokenGuard)
export class DevicesController {
  constructor(private readonly admin: DevicesAdmin) {}

  @Get('devices')
  list() {
    return this.admin.list();
  }

  @Get('devices/:id')
  get(@Param('id') id: string) {
    return this.admin.get(id);
  }

  @Post('devices')
  register(@Body() body: unknown) {
    return this.admin.register(body);
  }

  @Post('devices/:id/move')
  @HttpCode(200)
  move(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.move(id, body);
  }

  @Post('devices/:id/unassign')
  @HttpCode(200)
  unassign(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.unassign(id, body);
  }

  @Post('devices/:id/attach')
  @HttpCode(200)
  attach(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.attach(id, body);
  }

  @Post('devices/:id/detach')
  @HttpCode(200)
  detach(@Param('id') id: string) {
    return this.admin.detach(id);
  }

  @Post('devices/:id/revoke')
  @HttpCode(200)
  revoke(@Param('id') id: string, @Body() body: unknown) {
    return this.admin.revoke(id, body);
  }

  @Post('devices/:id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Param('id') id: string) {
    return this.admin.rotateSecret(id);
  }

  @Get('principals')
  principals() {
    return this.admin.principals();
  }

  @Post('principals')
  registerPrincipal(@Body() body: unknown) {
    return this.admin.registerPrincipal(body);
  }
}
