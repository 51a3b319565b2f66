import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { RabbitProbe } from '../../pipeline/rabbit-probe';
import { SendPoisonRequestDto } from './send-poison.request.dto';
import { brokerAction } from '../broker-action';

@Controller('api/actions')
export class SendPoisonHttpController {
  constructor(private readonly rabbit: RabbitProbe) {}

  /** Lab 4c: a malformed message on the real exchange; the subscriber must dead-letter it and carry on. */
  @Post('poison')
  @HttpCode(200)
  async poison(@Body() body: SendPoisonRequestDto): Promise<{ messageId: string; kind: string }> {
    const messageId = await brokerAction('sending poison', () => this.rabbit.poison(body.kind));
    return { messageId, kind: body.kind };
  }
}
