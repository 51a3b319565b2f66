import { Controller, HttpCode, Post } from '@nestjs/common';
import { RabbitProbe } from '../../pipeline/rabbit-probe';
import { brokerAction } from '../broker-action';

@Controller('api/actions')
export class RedriveDlqHttpController {
  constructor(private readonly rabbit: RabbitProbe) {}

  /**
   * Moves every dead letter back to the work queue for another try (once the cause is fixed).
   * Poison comes straight back: it is judged again and is still malformed.
   */
  @Post('redrive')
  @HttpCode(200)
  async redrive(): Promise<{ redriven: number }> {
    return { redriven: await brokerAction('redriving the DLQ', () => this.rabbit.redriveAll()) };
  }
}
