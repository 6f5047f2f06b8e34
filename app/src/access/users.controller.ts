import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { Roles } from '@pulseproof/contracts';
import { asHttp } from './http-errors';
import { UserStore, UserView } from './user-store';

/** Staff accounts over HTTP, the twin of `pulseproof users`. */
@Controller('api/users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UserStore) {}

  @Get()
  list(): UserView[] {
    return this.users.list();
  }

  /** `{ username, role: clinician|auditor|admin, password, wards?: string[] }` */
  @Post()
  @ApiBody({ schema: { type: 'object', required: ['username', 'role', 'password'], properties: { username: { type: 'string' }, role: { type: 'string', enum: ['clinician', 'auditor', 'admin'] }, password: { type: 'string', format: 'password', minLength: 8 }, wards: { type: 'array', items: { type: 'string' } } } } })
  add(@Body() body: { username?: unknown; role?: unknown; password?: unknown; wards?: unknown } | undefined): Promise<UserView> {
    return asHttp(() => this.users.add({ username: body?.username, role: body?.role, password: body?.password, ...(body?.wards !== undefined && { wards: body.wards }) }));
  }

  @Get(':username')
  get(@Param('username') username: string): Promise<UserView> {
    return asHttp(() => this.users.get(username));
  }

  @Delete(':username')
  @HttpCode(204)
  async remove(@Param('username') username: string): Promise<void> {
    await asHttp(() => this.users.remove(username));
  }

  /** `{ wards: string[] }`: replaces the wards the user works in. */
  @Put(':username/wards')
  @ApiBody({ schema: { type: 'object', required: ['wards'], properties: { wards: { type: 'array', items: { type: 'string' } } } } })
  setWards(@Param('username') username: string, @Body() body: { wards?: unknown } | undefined): Promise<UserView> {
    return asHttp(() => this.users.setWards(username, body?.wards));
  }

  /** `{ password }`: sets a new password and ends the user's sessions. */
  @Put(':username/password')
  @ApiBody({ schema: { type: 'object', required: ['password'], properties: { password: { type: 'string', format: 'password', minLength: 8 } } } })
  @HttpCode(204)
  async resetPassword(@Param('username') username: string, @Body() body: { password?: unknown } | undefined): Promise<void> {
    await asHttp(() => this.users.resetPassword(username, body?.password));
  }
}
