import { Module } from '@nestjs/common';
import { RelayEnv } from '../config/relay-env';
import { CredentialsCipher } from './credentials.cipher';

/** Import this (not ChannelsModule) where credentials must be decrypted, e.g. the push workers. */
@Module({
  providers: [
    {
      provide: CredentialsCipher,
      inject: [RelayEnv],
      useFactory: (env: RelayEnv) => new CredentialsCipher(env.RELAY_SECRET_KEY),
    },
  ],
  exports: [CredentialsCipher],
})
export class CredentialsModule {}
