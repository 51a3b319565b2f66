import { POISON_KINDS, type PoisonKind } from '@acme/messaging';
import { IsIn } from 'class-validator';

export class SendPoisonRequestDto {
  @IsIn(Object.keys(POISON_KINDS))
  kind!: PoisonKind;
}
