import { HttpException } from '@nestjs/common';
import { AccessError, httpStatusOf } from './access-errors';

/** Runs `work`, turning an AccessError into its HTTP status with `{ message, code }`. */
export async function asHttp<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AccessError) throw new HttpException({ statusCode: httpStatusOf(error), message: error.message, code: error.code }, httpStatusOf(error));
    throw error;
  }
}
